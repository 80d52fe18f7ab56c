import re

from django.test import RequestFactory

from edhub.www.context_processors import branding
from edhub.www.errors import server_error
from tests.www.utils import text_of, title_of


def test_branding_context(settings):
    settings.EDHUB_STATE_BRAND = False
    settings.EDHUB_OPERATOR = "Région Bretagne"

    assert branding(None) == {
        "SITE_CONFIG": {
            "site_title": "edhub",
            "site_tagline": "Education Data Hub — le numérique éducatif, territoire par territoire",
            "STATE_BRAND": False,
            "OPERATOR": "Région Bretagne",
        }
    }


def test_state_brand(client, db, settings):
    settings.EDHUB_STATE_BRAND = True

    response = client.get("/")
    html = response.content.decode()

    assert '<html lang="fr"' in html
    assert title_of(response) == "Accueil — edhub"
    assert html.count('<p class="fr-logo">') == 2  # header and footer
    assert "République" in html
    assert "legifrance.gouv.fr" in html
    assert '<a class="fr-link" href="#content">Contenu</a>' in html
    assert 'id="content"' in html


def test_operator_brand(client, db, settings):
    settings.EDHUB_STATE_BRAND = False
    settings.EDHUB_OPERATOR = "Région Bretagne"

    html = client.get("/").content.decode()

    assert "République" not in html
    assert "fr-logo" not in html
    assert "legifrance.gouv.fr" not in html
    assert "info.gouv.fr" not in html
    assert html.count("Région Bretagne") == 2  # header and footer
    assert "edhub" in html


def test_main_menu(client, db):
    html = client.get("/").content.decode()

    assert re.search(r'href="/"\s+aria-current="page">Accueil</a>', html)
    assert 'href="/territoires/"' in html
    assert 'href="/api/v1/docs">API</a>' in html
    assert 'action="/recherche/"' in html


def test_not_found_page(client, db):
    response = client.get("/page-inexistante/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page non trouvée" in html
    assert "Erreur 404" in html
    assert 'class="fr-header"' in html


def test_server_error_page(db):
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert title_of(response) == "Erreur inattendue — edhub"
    assert "Erreur 500" in text_of(response)
