from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from edhub.accounts import throttle


class LoginForm(AuthenticationForm):
    """Local login, locked for a while after LOGIN_ATTEMPTS failures on the same account (whatever the address),
    parallel attempts included (see edhub/accounts/throttle.py)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "locked": "Trop de tentatives échouées pour ce compte : réessayez dans %(minutes)d minutes.",
    }

    def clean(self):
        username = self.data.get("username", "")
        if not throttle.take_attempt(username):
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_LOCK_SECONDS // 60}
            )
        cleaned = super().clean()
        throttle.clear(username)
        return cleaned
