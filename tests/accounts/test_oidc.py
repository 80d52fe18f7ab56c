"""ProConnect: agents already known by their e-mail sign in to their account; a new agent whose SIRET is an
organisation's gets an account and a reader membership of it; any other new agent gets no account and the page that
says how to be invited. ProConnect is mocked at the backend (token, ID token and userinfo): no network."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from edhub.accounts import oidc
from edhub.accounts.models import JoinRequest, Kind, Membership, Organisation, Role
from edhub.territories.models import Level
from tests.accounts.factories import UserFactory, agent
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
SIRET = "44228374300015"  # a valid SIRET (Luhn keys of the SIREN and of the SIRET)


@pytest.fixture
def backend(settings):
    settings.OIDC_RP_CLIENT_ID = "edhub"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email given_name usual_name siret"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://proconnect.example/api/v2/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://proconnect.example/api/v2/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://proconnect.example/api/v2/jwks"
    settings.OIDC_CREATE_USER = True
    return oidc.ProConnectBackend()


@pytest.fixture
def association():
    return Organisation.objects.create(kind=Kind.ASSOCIATION, name="Emmaüs Connect Créteil", siret=SIRET)


def claims(email="camille.durand@asso.fr", siret=SIRET):
    return {
        "sub": "proconnect-1",
        "email": email,
        "given_name": "Camille",
        "usual_name": "Durand",
        **({"siret": siret} if siret is not None else {}),
    }


def request_with_session(**get):
    request = RequestFactory().get("/oidc/callback/", get)
    request.session, request.user = SessionStore(), AnonymousUser()
    return request


def sign_in(backend, monkeypatch, userinfo):
    """The user the backend returns for a ProConnect answer carrying `userinfo`, and the request it ran in."""
    monkeypatch.setattr(backend, "get_userinfo", lambda access_token, id_token, payload: userinfo)
    backend.request = request_with_session()
    return backend.get_or_create_user("access", "id", {}), backend.request


def test_agents_are_found_by_email_whatever_its_case(backend):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="marie")
    assert list(backend.filter_users_by_claims({"email": "MARIE@example.gouv.fr"})) == [user]
    assert list(backend.filter_users_by_claims({"email": "inconnu@example.gouv.fr"})) == []
    assert list(backend.filter_users_by_claims({})) == []


def test_a_known_email_signs_in_to_its_account_as_before(backend, monkeypatch, association):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="marie")
    found, _ = sign_in(backend, monkeypatch, claims(email="Marie@example.gouv.fr"))
    assert found == user
    assert get_user_model().objects.count() == 1
    assert [m.organisation.name for m in found.memberships.all()] == ["Commune — Créteil"]


def test_a_new_agent_of_a_known_siret_joins_the_organisation_as_a_reader(backend, monkeypatch, association):
    user, request = sign_in(backend, monkeypatch, claims(siret="442 283 743 00015"))
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "camille.durand@asso.fr",
        "camille.durand@asso.fr",
        "Camille",
        "Durand",
    )
    assert user.has_usable_password() is False  # no local password: ProConnect only
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.is_admin) == (association, Role.READER, False)
    assert oidc.UNKNOWN_KEY not in request.session


def test_a_new_agent_waits_for_the_admins_of_an_organisation_that_asks_so(backend, monkeypatch, association, client):
    association.approves_newcomers = True
    association.save()
    admin = UserFactory(username="presidente", email="presidente@asso.fr")
    Membership.objects.create(user=admin, organisation=association, role=Role.READER, is_admin=True)
    user, _ = sign_in(backend, monkeypatch, claims())
    assert user.username == "camille.durand@asso.fr"
    assert list(user.memberships.all()) == []  # not a member before an administrator accepts
    [pending] = JoinRequest.objects.filter(user=user, answered_at__isnull=True)
    assert (pending.organisation, pending.message) == (association, "Arrivée par ProConnect (SIRET 44228374300015).")
    [message] = mail.outbox
    assert (message.to, message.subject) == (["presidente@asso.fr"], "Demande pour rejoindre Emmaüs Connect Créteil")
    client.force_login(user)
    text = text_of(client.get(reverse("dashboard")))
    assert (
        "Vos demandes d’adhésion en attente Emmaüs Connect Créteil, demandée le "
        f"{timezone.localtime(pending.created_at):%d/%m/%Y} : ses administrateurs n’ont pas encore répondu."
    ) in text


def test_a_new_agent_whose_email_is_taken_as_a_username_gets_another(backend, monkeypatch, association):
    get_user_model().objects.create_user("camille.durand@asso.fr", email="ancienne@asso.fr", is_active=False)
    user, _ = sign_in(backend, monkeypatch, claims())
    assert user.username == "camille.durand@asso.fr-2"


@pytest.mark.parametrize("siret", ["35600000000048", "", None])
def test_a_new_agent_of_no_known_organisation_gets_no_account(backend, monkeypatch, association, siret):
    user, request = sign_in(backend, monkeypatch, claims(siret=siret))
    assert user is None
    assert get_user_model().objects.count() == 0
    assert Membership.objects.count() == 0
    assert request.session[oidc.UNKNOWN_KEY] == {"email": "camille.durand@asso.fr", "siret": siret or ""}


def callback(settings, monkeypatch, userinfo):
    """ProConnect's return to edhub (the callback view), the provider's answers mocked at the backend."""
    settings.AUTHENTICATION_BACKENDS = ["edhub.accounts.oidc.ProConnectBackend"]
    # The redirect URI sent with the (mocked) token request: edhub's callback is routed only with PROCONNECT on.
    settings.OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:login"
    monkeypatch.setattr(
        oidc.ProConnectBackend, "get_token", lambda self, payload: {"id_token": "i", "access_token": "a"}
    )
    monkeypatch.setattr(oidc.ProConnectBackend, "verify_token", lambda self, token, **kwargs: {"sub": "proconnect-1"})
    monkeypatch.setattr(oidc.ProConnectBackend, "get_userinfo", lambda self, *args: userinfo)
    request = request_with_session(code="code", state="etat")
    request.session["oidc_states"] = {"etat": {"nonce": "n", "code_verifier": None}}
    request.session.save()
    response = oidc.ProConnectCallbackView.as_view()(request)
    request.session.save()  # as SessionMiddleware does after the view
    return response, request


def test_the_callback_signs_in_a_new_agent_of_a_known_siret(backend, settings, monkeypatch, association):
    response, request = callback(settings, monkeypatch, claims())
    assert response["Location"] == reverse("dashboard")
    assert request.user.username == "camille.durand@asso.fr"
    assert request.session["_auth_user_id"] == str(request.user.pk)


def test_the_callback_sends_an_unknown_siret_to_the_page_that_explains(backend, settings, monkeypatch, client):
    response, request = callback(settings, monkeypatch, claims())
    assert response["Location"] == reverse("accounts:proconnect_unknown")
    assert get_user_model().objects.count() == 0
    # The page, in the same session: who ProConnect identified, and how to be invited.
    client.cookies["sessionid"] = request.session.session_key
    text = text_of(client.get(response["Location"]))
    assert (
        "ProConnect vous a bien identifié (camille.durand@asso.fr), mais aucune organisation d’edhub ne porte le "
        f"SIRET {SIRET} : aucun compte n’a été créé." in text
    )
    assert "demandez à l’un de ses administrateurs de vous inviter" in text
    assert "(camille.durand@asso.fr)" not in text_of(client.get(response["Location"]))  # said once


def test_other_failures_go_back_to_the_login_page(backend, settings, monkeypatch):
    response, _ = callback(settings, monkeypatch, {"sub": "proconnect-1"})  # no e-mail: the claims are refused
    assert response["Location"] == reverse("accounts:login")


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
