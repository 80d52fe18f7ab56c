"""Production: refuses to start without SECRET_KEY and ALLOWED_HOSTS; EDHUB_HTTPS=1 when served over HTTPS only.

Chosen with DJANGO_SETTINGS_MODULE=edhub.settings.prod, or by the default settings (dev.py) when the environment
says production (EDHUB_ENV=production, ALLOWED_HOSTS or EDHUB_HTTPS set, DEBUG unset).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

_missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not os.environ.get(name)]
if _missing:
    raise ImproperlyConfigured(
        f"edhub en production : définissez {' et '.join(_missing)} dans l'environnement (voir README)."
    )
DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [h for h in os.environ["ALLOWED_HOSTS"].split(",") if h]

if os.environ.get("EDHUB_HTTPS", "") in ("1", "true"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
