import hashlib

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError


class LoginForm(AuthenticationForm):
    """Local login, locked for a while after LOGIN_ATTEMPTS failures on the same account (whatever the address)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "locked": "Trop de tentatives échouées pour ce compte : réessayez dans %(minutes)d minutes.",
    }

    def clean(self):
        username = self.data.get("username", "").strip().lower()
        key = f"edhub:login-failures:{hashlib.sha256(username.encode()).hexdigest()}"
        if cache.get(key, 0) >= settings.LOGIN_ATTEMPTS:
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_LOCK_SECONDS // 60}
            )
        try:
            return super().clean()
        except ValidationError:
            cache.set(key, cache.get(key, 0) + 1, settings.LOGIN_LOCK_SECONDS)
            raise
