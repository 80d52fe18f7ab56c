"""The embedded platform (`make run`), default settings of `edhub`, manage.py and the WSGI application.

It runs on loopback with a random key made once and kept under var/ (never a key written in the repository); DEBUG
comes from the environment. Production is declared (EDHUB_ENV=production) or implied by serving other hosts than
loopback (ALLOWED_HOSTS) or HTTPS (EDHUB_HTTPS): without DEBUG, these settings are then prod.py's, which refuse to
start without SECRET_KEY and ALLOWED_HOSTS.
"""

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = os.environ.get("DEBUG", "") in ("1", "true", "True")
if not DEBUG and (
    os.environ.get("EDHUB_ENV") == "production"
    or bool(os.environ.get("ALLOWED_HOSTS"))
    or os.environ.get("EDHUB_HTTPS", "") in ("1", "true")
):
    from .prod import *  # noqa: F403
else:
    _key_file = VAR_DIR / "secret_key"
    try:
        with open(_key_file, "x", encoding="ascii") as _handle:  # the first start writes it, the others read it
            os.chmod(_key_file, 0o600)
            _handle.write(secrets.token_urlsafe(50))
    except FileExistsError:
        pass
    SECRET_KEY = os.environ.get("SECRET_KEY") or _key_file.read_text(encoding="ascii").strip()
    _loopback = "127.0.0.1,localhost,[::1],testserver"
    ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", _loopback).split(",") if h]
