"""Response cache of the read API: the data only change when an import succeeds, so a response is kept until then.

The key is the full URL plus the data version (the end of the last successful import): a new import makes every
cached response stale at once, without any invalidation step.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse

from edhub.opendata.models import ImportRun

CACHE_SECONDS = 600
CACHED_STATUSES = (200, 400, 404)


def cache_responses(view):
    """Serve GET responses from the cache; streamed ones (CSV exports) are always computed."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return view(request, *args, **kwargs)
        url = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"edhub:api:v1:{ImportRun.objects.data_version()}:{url}"
        cached = cache.get(key)
        if cached is not None:
            status, content_type, content = cached
            return HttpResponse(content, status=status, content_type=content_type)
        response = view(request, *args, **kwargs)
        if not response.streaming and response.status_code in CACHED_STATUSES:
            cache.set(key, (response.status_code, response["Content-Type"], response.content), CACHE_SECONDS)
        return response

    return wrapper
