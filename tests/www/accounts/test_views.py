"""Local login: success leads to the dashboard, failures are counted and lock the account for a while."""

import pytest
from django.urls import reverse

from edhub.accounts.models import Role
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.inventories.utils import CRETEIL_ECOLE, inventory_csv, row, upload_file
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def test_login_and_logout(client):
    agent(Role.COMMUNE, Level.COMMUNE, "94028", username="creteil")
    response = client.post(LOGIN, {"username": "creteil", "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")
    assert "Se déconnecter (creteil)" in text_of(client.get(reverse("home")))
    client.post(reverse("accounts:logout"))
    assert "Se connecter" in text_of(client.get(reverse("home")))


def test_wrong_password_then_lock(client, settings):
    agent(Role.COMMUNE, Level.COMMUNE, "94028", username="creteil")
    for _ in range(settings.LOGIN_ATTEMPTS):
        response = client.post(LOGIN, {"username": "creteil", "password": "mauvais"})
        assert "Identifiant ou mot de passe incorrect." in text_of(response)
    response = client.post(LOGIN, {"username": "creteil", "password": PASSWORD})
    assert "Trop de tentatives échouées pour ce compte : réessayez dans 15 minutes." in text_of(response)
    assert "_auth_user_id" not in client.session


def test_proconnect_button_only_when_configured(client):
    assert "ProConnect" not in text_of(client.get(LOGIN))


def test_a_reader_without_territory_cannot_open_the_national_uploads(client):
    national = agent(Role.NATIONAL)
    upload = upload_file(national, inventory_csv([row(CRETEIL_ECOLE)]))
    client.force_login(agent(Role.READER, username="lecteur-sans-territoire"))
    pages = ["inventories:upload", "inventories:progress", "inventories:problems"]
    assert [client.get(reverse(page, args=[upload.pk])).status_code for page in pages] == [404, 404, 404]
    assert "Aucun dépôt pour l’instant." in text_of(client.get(reverse("inventories:index")))
    client.force_login(national)
    assert [client.get(reverse(page, args=[upload.pk])).status_code for page in pages] == [200, 200, 200]
