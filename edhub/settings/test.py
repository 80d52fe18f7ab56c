"""The test suite (pytest): the embedded platform's settings (dev.py, DATABASE_URL still choosing PostgreSQL) with
what only tests want."""

import sys

from .dev import *  # noqa: F403
from .dev import BASE_DIR, TEMPLATES

# Each test process keeps its cache in memory: tests never touch the platform's cache files under var/.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A fast hasher: the real one is slow by design, and tests log users in by the hundred.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OWN_TEMPLATES = BASE_DIR / "edhub" / "templates"


class InvalidTemplateVariable(str):
    """Django's `string_if_invalid` in tests: a variable that does not resolve in one of edhub's own templates raises
    (a typo or a missing object would print nothing otherwise); in other packages' templates (admin, DSFR) it stays
    empty, as in production.

    Django formats it with the variable's name (`"%s" in string_if_invalid`); the template is that of the nearest
    template node up the call stack (the node's own origin, so that a block of an edhub page rendered inside the DSFR
    base template counts as edhub's). `{% if %}`, `{% for %}` and `{% firstof %}` ignore unresolvable variables
    without asking for it; `|default` does not help (the variable is looked up before any filter runs).
    """

    def __mod__(self, variable):
        from django.template import Node, TemplateSyntaxError

        frame = sys._getframe(1)
        while frame is not None and not isinstance(frame.f_locals.get("self"), Node):
            frame = frame.f_back
        origin = frame.f_locals["self"].origin if frame is not None else None
        name = getattr(origin, "name", None) or ""
        if name.startswith(f"{OWN_TEMPLATES}/"):
            raise TemplateSyntaxError(f"Variable introuvable {variable} dans {name}")
        return ""


TEMPLATES = [
    {**TEMPLATES[0], "OPTIONS": {**TEMPLATES[0]["OPTIONS"], "string_if_invalid": InvalidTemplateVariable("%s")}},
    *TEMPLATES[1:],
]
