"""ProConnect: only agents already habilitated (matched by e-mail) sign in; signed userinfo answers are read."""

import pytest

from edhub.accounts import oidc
from edhub.accounts.models import Role
from edhub.territories.models import Level
from tests.accounts.factories import agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(settings):
    settings.OIDC_RP_CLIENT_ID = "edhub"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://proconnect.example/api/v2/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://proconnect.example/api/v2/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://proconnect.example/api/v2/jwks"
    settings.OIDC_CREATE_USER = False
    return oidc.ProConnectBackend()


def test_agents_are_found_by_email_whatever_its_case(backend):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="marie")
    assert list(backend.filter_users_by_claims({"email": "MARIE@example.gouv.fr"})) == [user]
    assert list(backend.filter_users_by_claims({"email": "inconnu@example.gouv.fr"})) == []
    assert list(backend.filter_users_by_claims({})) == []


class Answer:
    def __init__(self, content_type, text):
        self.headers, self.text = {"Content-Type": content_type}, text

    def raise_for_status(self):
        pass

    def json(self):
        return {"email": "json@example.gouv.fr"}


def test_userinfo_signed_as_a_jwt_is_verified(backend, monkeypatch):
    calls = []
    monkeypatch.setattr(
        oidc.requests, "get", lambda url, **kwargs: calls.append(url) or Answer("application/jwt", "a.b.c")
    )
    monkeypatch.setattr(backend, "verify_token", lambda token: {"email": "jwt@example.gouv.fr", "token": token})
    assert backend.get_userinfo("access", "id", {}) == {"email": "jwt@example.gouv.fr", "token": "a.b.c"}
    assert calls == ["https://proconnect.example/api/v2/userinfo"]
    monkeypatch.setattr(oidc.requests, "get", lambda url, **kwargs: Answer("application/json", "{}"))
    assert backend.get_userinfo("access", "id", {}) == {"email": "json@example.gouv.fr"}
