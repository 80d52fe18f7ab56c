"""Response cache of the read API: the data only change when an import succeeds or indicators are computed, so a
response is kept until then.

The key is the full URL plus the data version (see ImportRun.objects.data_version): a new import or computation
makes every cached response stale at once, without any invalidation step. Bodies are kept gzip-compressed too
(a commune map's values weigh megabytes as JSON, a tenth of that compressed) and sent compressed to clients that
accept it. It is a middleware placed first, so that a cached answer costs neither sessions, nor authentication,
nor the API framework.
"""

import gzip
import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from edhub.opendata.models import ImportRun

PREFIX = "/api/v1/"
CACHE_SECONDS = 600
CACHED_STATUSES = (200, 400, 404)
CACHED_TYPES = ("application/json", "text/csv")
COMPRESSED_FROM = 1024  # bytes: smaller bodies are sent as they are


class ApiCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        url = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"edhub:api:{ImportRun.objects.data_version()}:{url}"
        cached = cache.get(key)
        if cached is None:
            response = self.get_response(request)
            content_type = response.get("Content-Type", "")
            if (
                response.streaming
                or response.status_code not in CACHED_STATUSES
                or not content_type.startswith(CACHED_TYPES)
            ):
                return response
            content = response.content
            compressed = gzip.compress(content, compresslevel=6, mtime=0) if len(content) >= COMPRESSED_FROM else None
            cached = (response.status_code, content_type, content, compressed, response.get("Content-Disposition"))
            cache.set(key, cached, CACHE_SECONDS)
        return _response(request, *cached)


def _response(request, status, content_type, content, compressed, disposition):
    accepts_gzip = compressed is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(compressed if accepts_gzip else content, status=status, content_type=content_type)
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    if disposition:
        response["Content-Disposition"] = disposition
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
