"""The page cache of the public pages (edhub.www.cache): anonymous pages rendered once per data version."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from edhub.territories.models import Territory
from edhub.www.cache import MARKER, cacheable_response
from tests.opendata.factories import ImportRunFactory
from tests.www.utils import text_of

SHEET = "/territoires/departement/94/"


def nonce_of(response):
    """The nonce of the page's scripts, and that of its Content-Security-Policy header."""
    in_page = set(re.findall(r'nonce="([^"]+)"', response.content.decode()))
    in_header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    return in_page, in_header


def test_second_anonymous_request_is_served_from_the_cache(client, db, django_assert_num_queries):
    first = client.get(SHEET)
    assert first.status_code == 200
    assert first[MARKER] == "miss"

    # Only the data version is read: neither the sheet's queries, nor sessions, nor authentication.
    with django_assert_num_queries(1):
        second = client.get(SHEET)

    assert second.status_code == 200
    assert second[MARKER] == "hit"
    assert text_of(second) == text_of(first)
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]
    assert int(second["Content-Length"]) == len(second.content)


def nonce_page(request):
    """A public page whose script carries the CSP nonce (as the map's import map does)."""
    return HttpResponse(f'<html><script nonce="{request.csp_nonce}">let x = 1;</script></html>')


urlpatterns = [path("recherche/", nonce_page), path("", include("edhub.urls"))]


@override_settings(ROOT_URLCONF=__name__)
def test_each_answer_has_its_own_csp_nonce(client, db):
    first, second = client.get("/recherche/"), client.get("/recherche/")

    assert second[MARKER] == "hit"
    (first_page,), first_header = nonce_of(first)
    (second_page,), second_header = nonce_of(second)
    assert first_page == first_header
    assert second_page == second_header
    assert second_page != first_page


def test_a_new_import_makes_the_pages_fresh(client, db):
    client.get(SHEET)
    Territory.objects.filter(level="departement", code="94").update(name="Val-de-Marne renommé")

    assert "Val-de-Marne renommé" not in text_of(client.get(SHEET))  # the cached page, until the next import

    ImportRunFactory(source="annuaire")
    fresh = client.get(SHEET)
    assert fresh[MARKER] == "miss"
    assert "Val-de-Marne renommé" in text_of(fresh)
    assert client.get(SHEET)[MARKER] == "hit"


def test_logged_in_users_never_share_pages_with_anonymous_visitors(client, db):
    user = get_user_model().objects.create_user("agent-cache", password="mot-de-passe-long-2026")
    anonymous = client.get(SHEET)
    assert anonymous[MARKER] == "miss"

    client.force_login(user)
    logged_in = client.get(SHEET)
    assert MARKER not in logged_in  # not read from the cache…
    assert "Se déconnecter (agent-cache)" in text_of(logged_in)
    assert MARKER not in client.get("/")  # …nor written to it
    client.logout()
    client.cookies.clear()

    home = client.get("/")
    assert home[MARKER] == "miss"
    assert "agent-cache" not in text_of(home)
    assert "Se connecter" in text_of(home)
    assert "agent-cache" not in text_of(client.get(SHEET))


def test_errors_and_redirects_are_not_cached(client, db):
    for _ in range(2):
        missing = client.get("/territoires/commune/00000/")
        assert missing.status_code == 404
        assert MARKER not in missing
        # An exact commune code goes to its page.
        found = client.get("/recherche/?q=94028")
        assert found.status_code == 302
        assert MARKER not in found


def test_htmx_fragments_are_cached_apart(client, db):
    page = client.get("/recherche/?q=creteil")
    fragment = client.get("/recherche/?q=creteil", headers={"HX-Request": "true"})

    assert fragment[MARKER] == "miss"
    assert b"<html" in page.content
    assert b"<html" not in fragment.content
    assert b"<html" not in client.get("/recherche/?q=creteil", headers={"HX-Request": "true"}).content


def test_pages_with_a_form_posting_are_not_cached(client, db):
    """A page carrying a CSRF token sets the CSRF cookie: it is not cached (the login page is not even a public
    page of the cache)."""
    response = client.get("/compte/connexion/")
    assert response.status_code == 200
    assert MARKER not in response


@pytest.mark.parametrize("reference", ["commune/94028", "departement/94", "academie/24", "region_academique/11"])
def test_sheet_queries_do_not_scale_with_the_territory(client, db, computed, reference):
    """A territory sheet, rendered anew (cache empty), costs as many queries for France (every school, every
    indicator value of the country) as for a commune: one per part of the sheet, none per school or child."""
    counts = {}
    for sheet in ("france/FR", reference):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/territoires/{sheet}/")
        assert response.status_code == 200
        assert response[MARKER] == "miss"
        counts[sheet] = len(queries)

    assert counts["france/FR"] <= 20
    # France's sheet has a few parts a commune's has not (its children's ranking: values and coverages; the
    # communes' summary; the départements its directory covers): a handful of queries, never one per child.
    assert abs(counts["france/FR"] - counts[reference]) <= 5, counts


def html(status=200, **headers):
    return HttpResponse("<html></html>", status=status, headers=headers)


@pytest.mark.parametrize(
    ("response", "cacheable"),
    [
        (html(), True),
        (html(Vary="Cookie, HX-Request"), True),
        (html(status=404), False),
        (html(status=302, Location="/"), False),
        (html(status=500), False),
        (html(**{"Cache-Control": "private"}), False),
        (html(**{"Cache-Control": "no-store, max-age=0"}), False),
        (html(Vary="Accept-Language"), False),
        (html(**{"Content-Encoding": "gzip"}), False),
        (HttpResponse("a,b", content_type="text/csv"), False),
    ],
)
def test_only_complete_public_html_answers_are_kept(response, cacheable):
    assert cacheable_response(response) is cacheable


def test_answers_setting_a_cookie_are_not_kept():
    response = html()
    response.set_cookie("csrftoken", "secret")
    assert cacheable_response(response) is False
