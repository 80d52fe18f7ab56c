"""ProConnect (OpenID Connect) login for agents, through mozilla-django-oidc, switched on by PROCONNECT_* settings.

An agent whose e-mail address already has an account signs in to it. A new agent gets an account only when the
SIRET ProConnect gives (claim "siret", scope "siret") is an organisation's: they become a reader member of it, and
its administrators may raise their role — or, when the organisation asks so (Organisation.approves_newcomers),
their request to join waits for its administrators, who are told by e-mail. Any other new agent gets no account,
and a page that says how to be invited (ProConnectCallbackView sends them there). ProConnect answers the userinfo
request with a signed JWT, checked with the provider's keys like the ID token.
"""

import requests
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from edhub.accounts.members import ask_to_join
from edhub.accounts.models import Membership, Organisation, Role
from edhub.accounts.organisations import compact

# Where the backend leaves, for the callback view, the identity of a new agent whose SIRET matches no organisation.
UNKNOWN_KEY = "proconnect_unknown"


def _username(email):
    """The e-mail address as username, made unique (« marie@x.fr », then « marie@x.fr-2 »…)."""
    users = get_user_model().objects
    base = email.lower()[:140]
    username, rank = base, 1
    while users.filter(username=username).exists():
        rank += 1
        username = f"{base}-{rank}"
    return username


class ProConnectBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        users = get_user_model().objects.filter(is_active=True)
        return users.filter(email__iexact=email) if email else users.none()

    def create_user(self, claims):
        """An account for a new agent whose SIRET is an organisation's, member of it as a reader; else None (no
        account), and the callback view explains how to be invited."""
        email = (claims.get("email") or "").strip()
        siret = compact(str(claims.get("siret") or ""))
        organisation = Organisation.objects.filter(siret=siret).order_by("pk").first() if siret else None
        if organisation is None or not email:
            request = getattr(self, "request", None)
            if request is not None:
                request.session[UNKNOWN_KEY] = {"email": email, "siret": siret}
            return None
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                _username(email),
                email=email,
                first_name=(claims.get("given_name") or "")[:150],
                last_name=(claims.get("usual_name") or "")[:150],
            )
            if not organisation.approves_newcomers:
                Membership.objects.create(user=user, organisation=organisation, role=Role.READER)
        if organisation.approves_newcomers:
            request = getattr(self, "request", None)
            base_url = request.build_absolute_uri("/").rstrip("/") if request is not None else None
            ask_to_join(user, organisation, f"Arrivée par ProConnect (SIRET {siret}).", base_url=base_url)
        return user

    def get_userinfo(self, access_token, id_token, payload):
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=self.get_settings("OIDC_TIMEOUT", 10),
        )
        response.raise_for_status()
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            return self.verify_token(response.text)
        return response.json()


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """ProConnect's return: a new agent of no known organisation is sent to the page that says how to be invited;
    any other failure back to the login page."""

    @property
    def failure_url(self):
        if self.request.session.get(UNKNOWN_KEY):
            return reverse("accounts:proconnect_unknown")
        return reverse("accounts:login")
