"""The test suite (pytest): the embedded platform's settings (dev.py, DATABASE_URL still choosing PostgreSQL) with
what only tests want."""

from .dev import *  # noqa: F403

# Each test process keeps its cache in memory: tests never touch the platform's cache files under var/.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A fast hasher: the real one is slow by design, and tests log users in by the hundred.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
