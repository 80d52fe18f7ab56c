"""Page cache of the public pages: what an anonymous visitor is shown only changes when an import succeeds or
indicators are computed, so a page is rendered once and served again until then.

The key is the URL plus the data version (ImportRun.objects.data_version), as for the API's responses
(edhub.api.cache): a new import or computation makes every cached page stale at once, without any invalidation
step. The published results of a call also depend on the call itself (its title, rules, publication), which is
in their key too.

Only what cannot depend on the visitor is cached:

- public pages only (PAGES: home, territory sheets, school pages, search, comparison, a call's results; the map
  page is left out: it reads nothing from the database), GET;
- requests without a session or messages cookie: an agent's pages (a logged-in user has a session) are never
  read from nor written to the cache, so nobody is served another's page;
- complete 200 HTML answers that set no cookie (a page whose form carries a CSRF token sets the CSRF cookie on
  every answer), that say neither private nor no-store, and whose Vary names only Cookie (handled as above) or a
  header of the key (HX-Request: the htmx fragments of the same URL): redirects, errors and the rest are left
  alone.

A page may carry the nonce of its Content-Security-Policy header (an inline script): it is kept as a placeholder
in the cache and replaced by the request's own nonce on every answer, so that each answer keeps a nonce of its
own. The middleware comes after the CSP middleware, before sessions, CSRF and authentication: a cached page costs
neither of them, only the data version's query, read once for the request (data_version: the figures cached
inside a page use the same).
"""

import hashlib
import re
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import cc_delim_re

from edhub.opendata.models import ImportRun

CACHE_SECONDS = 600  # also bounds what depends on the date (the current rentrée)
PAGES = re.compile(
    r"^/(?:"
    r"|territoires/[^/]+/[^/]+/"
    r"|ecoles/[^/]+/"
    r"|recherche/"
    r"|comparer/(?:suggestions/)?"
    r"|ami/(?P<campaign>[0-9]+)/resultats/"
    r")$"
)
KEY_HEADERS = ("HX-Request",)  # request headers that change a page: part of the key
ALLOWED_VARY = {"cookie", *(header.lower() for header in KEY_HEADERS)}
VISITOR_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")  # the messages' cookie storage
NONCE_PLACEHOLDER = b"\x00edhub-csp-nonce\x00"
# What a response carries for the outer middleware besides its headers (csp decorators, X-Frame-Options exemption).
RESPONSE_ATTRIBUTES = (
    "_csp_exempt",
    "_csp_exempt_ro",
    "_csp_config",
    "_csp_config_ro",
    "_csp_update",
    "_csp_update_ro",
    "_csp_replace",
    "_csp_replace_ro",
    "xframe_options_exempt",
)
MARKER = "X-Page-Cache"  # "hit" or "miss": what the page cache did
# The data version read for the request being served (one query per request, the same version for the page's key
# and for the figures cached inside it).
request_version = ContextVar("request_version", default=None)


def data_version():
    """The data version (ImportRun.objects.data_version), read once per request served by the page cache."""
    version = request_version.get()
    return ImportRun.objects.data_version() if version is None else version


def campaign_version(pk):
    """What a call's published results depend on besides the data: the call's row (its rules, publication)."""
    from edhub.ami.models import Campaign

    fields = [field.attname for field in Campaign._meta.concrete_fields if field.name != "published_results"]
    return hashlib.sha256(repr(Campaign.objects.filter(pk=pk).values_list(*fields).first()).encode()).hexdigest()


def page_key(request, match):
    """The cache key of the page `request` asks for."""
    version = data_version()
    if match["campaign"]:
        version = f"{version}:{campaign_version(match['campaign'])[:16]}"
    headers = "\n".join(request.headers.get(header, "") for header in KEY_HEADERS)
    url = hashlib.sha256(f"{request.get_full_path()}\n{headers}".encode()).hexdigest()
    return f"edhub:page:{version}:{url}"


def cacheable_request(request):
    """The match of a public page when `request` may be answered from the cache (None otherwise)."""
    if request.method not in ("GET", "HEAD") or any(name in request.COOKIES for name in VISITOR_COOKIES):
        return None
    if "Authorization" in request.headers:
        return None
    return PAGES.match(request.path_info)


def cacheable_response(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html") or response.has_header("Content-Encoding"):
        return False
    control = {part.split("=")[0].strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
    if control & {"private", "no-store", "no-cache"}:
        return False
    vary = {header.strip().lower() for header in cc_delim_re.split(response.get("Vary", "")) if header.strip()}
    return vary <= ALLOWED_VARY


def _entry(request, response):
    """What is kept of a page: its body (the CSP nonce as a placeholder), headers and attributes."""
    content = response.content
    nonce = getattr(request, "_csp_nonce", None)
    has_nonce = isinstance(nonce, str) and nonce.encode() in content
    if has_nonce:
        content = content.replace(nonce.encode(), NONCE_PLACEHOLDER)
    headers = [(name, value) for name, value in response.items() if name.lower() not in ("content-length", "date")]
    attributes = {name: getattr(response, name) for name in RESPONSE_ATTRIBUTES if hasattr(response, name)}
    return {"content": content, "has_nonce": has_nonce, "headers": headers, "attributes": attributes}


def _response(request, entry):
    content = entry["content"]
    if entry["has_nonce"]:
        content = content.replace(NONCE_PLACEHOLDER, str(request.csp_nonce).encode())
    response = HttpResponse(content)
    for name, value in entry["headers"]:
        response[name] = value
    response["Content-Length"] = str(len(content))
    for name, value in entry["attributes"].items():
        setattr(response, name, value)
    return response


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = cacheable_request(request)
        if match is None:
            return self.get_response(request)
        token = request_version.set(ImportRun.objects.data_version())
        try:
            return self.cached(request, match)
        finally:
            request_version.reset(token)

    def cached(self, request, match):
        key = page_key(request, match)
        entry = cache.get(key)
        # A page holding a nonce needs the request's: without the CSP middleware, it is rendered again.
        if entry is not None and (not entry["has_nonce"] or hasattr(request, "csp_nonce")):
            response = _response(request, entry)
            response[MARKER] = "hit"
            return response
        response = self.get_response(request)
        if request.method == "GET" and cacheable_response(response):
            entry = _entry(request, response)
            cache.set(key, entry, CACHE_SECONDS)
            response[MARKER] = "miss"
        return response
