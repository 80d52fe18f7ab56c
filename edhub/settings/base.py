"""Settings common to every use of edhub; dev.py (the default), test.py and prod.py add what differs.

Everything that differs between machines comes from the environment:
- DATABASE_URL: defaults to the embedded SQLite file var/edhub.sqlite3 (PostgreSQL in production);
- EDHUB_VAR_DIR: where the database, the open-data cache and the reports live (default: ./var);
- SECRET_KEY, DEBUG, ALLOWED_HOSTS, EDHUB_HTTPS: see dev.py and prod.py (and the README).
"""

import os
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("EDHUB_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
OPENDATA_CACHE_DIR = Path(os.environ.get("EDHUB_OPENDATA_DIR", VAR_DIR / "opendata"))
NODE_MODULES_DIR = BASE_DIR / "node_modules"
# django-ninja's own copy of Swagger UI (templates and static files) for the API documentation, found without
# importing the package: as an installed app it would import the whole API framework (pydantic…) in every command.
NINJA_DIR = Path(find_spec("ninja").origin).parent

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "widget_tweaks",
    "dsfr",
    "django_tasks",
    "django_tasks_db",
    "rules",
    "auditlog",
    "edhub.territories",
    "edhub.schools",
    "edhub.opendata",
    "edhub.indicators",
    "edhub.accounts",
    "edhub.inventories",
    "edhub.ami",
    "edhub.www",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the API's response cache: a cached API answer carries the security headers too, and counts in the limits.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "edhub.utils.ratelimit.RateLimitMiddleware",
    "edhub.api.cache.ApiCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages for anonymous visitors, keyed by the data version: before sessions, CSRF and authentication.
    "edhub.www.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The organisation the user acts for (edhub/accounts/middleware.py): after authentication and messages.
    "edhub.accounts.middleware.MembershipMiddleware",
    # Who writes, and in which membership, for the audit log (edhub/accounts/audit.py): after the membership in use.
    "edhub.accounts.audit.AuditMiddleware",
]

ROOT_URLCONF = "edhub.urls"
WSGI_APPLICATION = "edhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "edhub" / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "edhub.www.context_processors.branding",
                "edhub.www.context_processors.membership",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'edhub.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Uploaded files (inventories): private, never served as static files.
MEDIA_ROOT = VAR_DIR / "uploads"
FILE_UPLOAD_MAX_BYTES = 20 * 1024 * 1024

# Cache of computed figures and API responses, shared by every process of the server (files under var/cache; a
# cached entry is keyed by the data version, so a new import makes it stale without any invalidation step).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": VAR_DIR / "cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

# Background work (django-tasks): large uploads and recomputations run in `edhub db_worker`, which `make run`
# starts beside the web server; EDHUB_TASKS=immediate runs them at once, in the request.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if os.environ.get("EDHUB_TASKS") == "immediate"
        else "django_tasks_db.DatabaseBackend"
    }
}
# A job holds a lease on its upload, renewed while it works: a job silent for longer (its worker died) is taken
# back, re-queued once, then failed. A job running longer than its budget is failed.
TASK_LEASE_SECONDS = int(os.environ.get("EDHUB_TASK_LEASE_SECONDS", "60"))
TASK_MAX_SECONDS = int(os.environ.get("EDHUB_TASK_MAX_SECONDS", "300"))
# And its memory: a worker process (edhub db_worker) may not grow past this (a 100,000-row upload peaks at 200 MB).
TASK_MAX_MEMORY_MB = int(os.environ.get("EDHUB_TASK_MAX_MEMORY_MB", "2048"))
# What an uploaded inventory may hold, checked before it is read (a zip bomb is refused from its directory).
INVENTORY_LIMITS = {
    "rows": 120_000,  # a national inventory: about 60,000 schools, a few rentrées
    "columns": 100,  # the template has 26
    "cell_chars": 1_000,  # the longest value of a cell (a name: 100)
    "line_chars": 10_000,  # the longest line of a CSV
    "unzipped_bytes": 256 * 1024 * 1024,  # an XLSX's entries, declared sizes added up (100,000 rows: 110 MB)
    "zip_ratio": 100,  # an entry's declared size over its compressed size (a real workbook: under 30)
    "problems_per_kind": 100,  # problems kept per column and effect (all are counted)
}

# Accounts: local accounts for the embedded platform; ProConnect (OpenID Connect) when PROCONNECT_CLIENT_ID is set.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
LOGIN_ATTEMPTS, LOGIN_LOCK_SECONDS = 5, 15 * 60  # failed logins of one account before it is locked a while
# Requests per minute and client address (edhub/utils/ratelimit.py), then 429 with Retry-After: generous, a person
# never reaches them, nor do the benches (20 clients).
RATE_LIMITS = {"login": 30, "upload": 60, "search": 3000, "api": 12000}
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PROCONNECT = bool(os.environ.get("PROCONNECT_CLIENT_ID"))
if PROCONNECT:
    # ProConnect's endpoints, e.g. https://auth.agentconnect.gouv.fr/api/v2 (PROCONNECT_URL, without a trailing /).
    _proconnect = os.environ.get("PROCONNECT_URL", "").rstrip("/")
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("edhub.accounts.oidc.ProConnectBackend")
    OIDC_RP_CLIENT_ID = os.environ["PROCONNECT_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_SCOPES = "openid email given_name usual_name siret"
    OIDC_OP_AUTHORIZATION_ENDPOINT = f"{_proconnect}/authorize"
    OIDC_OP_TOKEN_ENDPOINT = f"{_proconnect}/token"
    OIDC_OP_USER_ENDPOINT = f"{_proconnect}/userinfo"
    OIDC_OP_JWKS_ENDPOINT = f"{_proconnect}/jwks"
    OIDC_OP_LOGOUT_ENDPOINT = f"{_proconnect}/session/end"
    # A new agent gets an account when their SIRET is an organisation's (edhub/accounts/oidc.py), else a page that
    # says how to be invited.
    OIDC_CREATE_USER = True
    OIDC_CALLBACK_CLASS = "edhub.accounts.oidc.ProConnectCallbackView"
    OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "edhub" / "static",
    # Front-end packages installed from npm (package-lock.json), served under /static/vendor/.
    ("vendor/htmx", NODE_MODULES_DIR / "htmx.org" / "dist"),
    ("vendor/maplibre-gl", NODE_MODULES_DIR / "maplibre-gl" / "dist"),
    ("vendor/chart.js", NODE_MODULES_DIR / "chart.js" / "dist"),
    ("ninja", NINJA_DIR / "static" / "ninja"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Once `collectstatic` has run (make run does), files are served from STATIC_ROOT with their compressed copies;
# before, straight from the packages (finders), uncompressed. Both at once would serve the uncompressed ones.
WHITENOISE_USE_FINDERS = not any(STATIC_ROOT.iterdir())

# django-dsfr: escape what views pass to its tags; whitenoise rewrites CSS, so no SRI checksums.
DSFR_CONTENT_IS_SAFE = False
DSFR_USE_INTEGRITY_CHECKSUMS = False
DSFR_MARK_OPTIONAL_FIELDS = True

# Brand block: the State brand (Marianne, "République française") is shown unless a non-State operator
# switches it off with EDHUB_STATE_BRAND=0 and names itself with EDHUB_OPERATOR.
EDHUB_STATE_BRAND = os.environ.get("EDHUB_STATE_BRAND", "1") not in ("0", "false", "False")
EDHUB_OPERATOR = os.environ.get("EDHUB_OPERATOR", "")

# E-mail (notifications of the connectivity call). Production sends through SMTP with EMAIL_HOST (and EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL); without it the embedded platform writes each
# mail as a file under var/mails/ (EMAIL_BACKEND=console prints them instead). Tests keep them in memory.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "edhub <ne-pas-repondre@edhub.invalid>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    # Implicit TLS (port 465) with EMAIL_USE_SSL=1, otherwise STARTTLS (port 587) unless EMAIL_USE_TLS=0.
    EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") in ("1", "true", "True")
    EMAIL_USE_TLS = not EMAIL_USE_SSL and os.environ.get("EMAIL_USE_TLS", "1") in ("1", "true", "True")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "465" if EMAIL_USE_SSL else "587"))
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
elif os.environ.get("EMAIL_BACKEND") == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mails"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts only from this site or carrying the page's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_4xx_traceback": {"()": "edhub.www.errors.NoTracebackForClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["no_4xx_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Audit log (django-auditlog): every write to a scoped or personal record keeps who (the actor, set by
# edhub.accounts.audit.AuditMiddleware), when, in which membership (organisation and role, in additional_data) and
# what changed. Each model lists the fields it tracks: a new field stays out of the log until it is added here
# (tests/accounts/test_audit.py fails until it is tracked or said untracked). Left out: passwords and login times,
# files' content and bulky JSON (an upload's anomalies, a call's frozen results), an analysis' progress and lease.
# Entries of memberships, invitations and requests to join keep their organisation (serialized_data), so that its
# administrators still see them once the record is gone.
AUDITLOG_STORE_JSON_CHANGES = True  # values as typed (None, booleans, numbers), not as their text
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "auth.User",
        "include_fields": ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"],
    },
    {
        "model": "accounts.Organisation",
        "include_fields": ["kind", "name", "territory", "school", "siret", "siren", "rna", "approves_newcomers"],
    },
    {
        "model": "accounts.Membership",
        "include_fields": ["user", "organisation", "role", "is_admin", "since", "granted_by"],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["organisation"]},
    },
    {
        "model": "accounts.Invitation",
        "include_fields": [
            "organisation",
            "email",
            "role",
            "is_admin",
            "invited_by",
            "expires_at",
            "accepted_at",
            "accepted_by",
        ],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["organisation"]},
    },
    {
        "model": "accounts.JoinRequest",
        "include_fields": ["user", "organisation", "answered_at", "answered_by", "accepted"],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["organisation"]},
    },
    {
        "model": "inventories.Upload",
        "include_fields": [
            "territory",
            "author",
            "role",
            "file_name",
            "checksum",
            "status",
            "message",
            "rows_read",
            "rows_valid",
            "rows_blank",
            "rows_rejected",
            "version",
            "confirmed_at",
            "confirmed_by",
            "rolled_back_at",
            "rolled_back_by",
            "rollback_reason",
        ],
    },
    {
        "model": "ami.Campaign",
        "include_fields": [
            "title",
            "territory",
            "status",
            "opens_on",
            "closes_on",
            "budget",
            "laureates_min",
            "laureates_max",
            "ceiling_per_school",
            "ceiling_per_class",
            "rural_only",
            "requires_public_ecole",
            "speed_threshold",
            "share_threshold",
            "cap_per_departement",
            "results_published_at",
        ],
    },
    {
        "model": "ami.Criterion",
        "include_fields": ["campaign", "code", "label", "weight", "automatic", "published", "position"],
    },
    {
        "model": "ami.Application",
        "include_fields": [
            "campaign",
            "commune",
            "author",
            "state",
            "project",
            "estimated_cost",
            "cofunding",
            "contact_name",
            "contact_email",
            "deliberation",
            "decision_reason",
            "waiting_rank",
            "rules_version",
            "submitted_at",
        ],
    },
    {
        "model": "ami.ApplicationSchool",
        "include_fields": [
            "application",
            "school",
            "technology",
            "download_mbps",
            "works",
            "works_updated_at",
            "connected_on",
            "connected_technology",
            "connected_mbps",
        ],
    },
    {"model": "ami.ApplicationNote", "include_fields": ["application", "author", "text"]},
    {"model": "ami.Score", "include_fields": ["application", "criterion", "scorer", "points", "comment"]},
)
