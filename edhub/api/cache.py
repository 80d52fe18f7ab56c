"""Response cache of the read API: the data only change when an import succeeds, so a response is kept until then.

The key is the full URL plus the data version (the end of the last successful import): a new import makes every
cached response stale at once, without any invalidation step. It is a middleware placed first, so that a cached
answer costs neither sessions, nor authentication, nor the API framework.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse

from edhub.opendata.models import ImportRun

PREFIX = "/api/v1/"
CACHE_SECONDS = 600
CACHED_STATUSES = (200, 400, 404)
CACHED_TYPES = ("application/json", "text/csv")


class ApiCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        url = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"edhub:api:{ImportRun.objects.data_version()}:{url}"
        cached = cache.get(key)
        if cached is not None:
            status, content_type, content = cached
            return HttpResponse(content, status=status, content_type=content_type)
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if (
            not response.streaming
            and response.status_code in CACHED_STATUSES
            and content_type.startswith(CACHED_TYPES)
        ):
            cache.set(key, (response.status_code, content_type, response.content), CACHE_SECONDS)
        return response
