"""Rate limits by client address: login attempts (and requests that send an e-mail to an address someone types: a
password reset), uploads, search and the API, each its number of requests per
minute (RATE_LIMITS in the settings). Over it, 429 « Trop de requêtes » with `Retry-After` (seconds to wait).

A middleware placed before the API's response cache, so a cached answer counts too. Counters live in the shared
cache, one per address, kind and minute (a fixed window): cheap, and never stored beyond their minute. The
defaults are generous (what a person or a script of an agency does, well above what the benches send).
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

WINDOW_SECONDS = 60
clock = time.time  # the current time, in seconds (tests set it)
MESSAGE = "Trop de requêtes depuis votre adresse : réessayez dans {seconds} secondes."


def kind_of(request):
    """ "api", "login", "upload", "search", or None for a request that is not limited."""
    if request.path.startswith("/api/"):
        return "api"
    if request.method == "POST" and request.path in (reverse("accounts:login"), reverse("accounts:password_reset")):
        return "login"
    if request.method == "POST" and request.content_type == "multipart/form-data":
        return "upload"
    if request.path.startswith(reverse("search:results")):
        return "search"
    return None


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kind = kind_of(request)
        limit = settings.RATE_LIMITS.get(kind) if kind else None
        if limit is not None:
            now = clock()
            window = int(now // WINDOW_SECONDS)
            key = f"edhub:rate:{kind}:{request.META.get('REMOTE_ADDR', '')}:{window}"
            cache.add(key, 0, WINDOW_SECONDS + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: a new window begins
                count = 1
                cache.set(key, count, WINDOW_SECONDS + 1)
            if count > limit:
                return too_many(kind, math.ceil((window + 1) * WINDOW_SECONDS - now))
        return self.get_response(request)


def too_many(kind, seconds):
    message = MESSAGE.format(seconds=seconds)
    if kind == "api":
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=429)
    response["Retry-After"] = str(seconds)
    return response
