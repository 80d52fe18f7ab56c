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
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from edhub.opendata.models import ImportRun

PREFIX = "/api/v1/"
CACHE_SECONDS = 600
CACHED_STATUSES = (200, 400, 404)
CACHED_TYPES = ("application/json", "text/csv")
COMPRESSED_FROM = 1024  # bytes: smaller bodies are sent as they are
RECENT_ENTRIES = 32  # responses each server process also keeps in memory


class RecentResponses:
    """The responses this process served last, kept in memory in front of the shared cache (files under var/cache,
    shared by every process of the server): a repeated request costs neither a file read nor unpickling megabytes.
    Keys carry the data version, so an entry never goes stale; the oldest ones make way for new ones."""

    def __init__(self, size):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def set(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


recent = RecentResponses(RECENT_ENTRIES)


def cached(key, build, timeout):
    """The value under `key`: from this process's memory, else from the shared cache, else `build()` (not kept when
    it returns None)."""
    value = recent.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = build()
            if value is None:
                return None
            cache.set(key, value, timeout)
        recent.set(key, value)
    return value


class ApiCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        url = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"edhub:api:{ImportRun.objects.data_version()}:{url}"
        uncached = None

        def build():
            nonlocal uncached
            response = self.get_response(request)
            content_type = response.get("Content-Type", "")
            if (
                response.streaming
                or response.status_code not in CACHED_STATUSES
                or not content_type.startswith(CACHED_TYPES)
            ):
                uncached = response
                return None
            content = response.content
            compressed = gzip.compress(content, compresslevel=6, mtime=0) if len(content) >= COMPRESSED_FROM else None
            return (response.status_code, content_type, content, compressed, response.get("Content-Disposition"))

        entry = cached(key, build, CACHE_SECONDS)
        return uncached if entry is None else _response(request, *entry)


def _response(request, status, content_type, content, compressed, disposition):
    accepts_gzip = compressed is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(compressed if accepts_gzip else content, status=status, content_type=content_type)
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    if disposition:
        response["Content-Disposition"] = disposition
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
