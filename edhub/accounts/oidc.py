"""ProConnect (OpenID Connect) login for agents, through mozilla-django-oidc, switched on by PROCONNECT_* settings.

An agent signs in with ProConnect only if an account with the same e-mail address was given an membership
beforehand: no account is created on the fly (OIDC_CREATE_USER is off). ProConnect answers the userinfo request
with a signed JWT, checked with the provider's keys like the ID token.
"""

import requests
from django.contrib.auth import get_user_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class ProConnectBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        users = get_user_model().objects.filter(is_active=True)
        return users.filter(email__iexact=email) if email else users.none()

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
