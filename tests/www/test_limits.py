"""Rate limits (429 with Retry-After), security headers on the API too, production settings that refuse to start
without their secrets."""

import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edhub.accounts.models import Role
from edhub.territories.models import Level
from edhub.utils import ratelimit
from tests.accounts.factories import agent

pytestmark = pytest.mark.django_db
MESSAGE = "Trop de requêtes depuis votre adresse : réessayez dans 45 secondes."
MINUTE = 29_786_400 * 60  # a minute's start (2026-08-18 14:00 UTC)


@pytest.fixture
def at(monkeypatch):
    """Sets the limiter's clock: at(15) is 15 s into the minute."""

    def set_clock(seconds):
        monkeypatch.setattr(ratelimit, "clock", lambda: MINUTE + seconds)

    set_clock(15)
    return set_clock


def statuses(send, times):
    return [send().status_code for _ in range(times)]


@pytest.mark.parametrize(
    ("kind", "send", "ok"),
    [
        ("api", lambda client: client.get("/api/v1/sources"), 200),
        ("search", lambda client: client.get(reverse("search:results"), {"q": "Créteil"}), 200),
        ("login", lambda client: client.post(reverse("accounts:login"), {"username": "x", "password": "y"}), 200),
        # Each request mails a reset link: counted with the logins, so that nobody floods an address.
        ("login", lambda client: client.post(reverse("accounts:password_reset"), {"email": "x@example.fr"}), 302),
    ],
)
def test_over_the_limit_429_with_retry_after(client, settings, at, kind, send, ok):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, kind: 3}
    assert statuses(lambda: send(client), 3) == [ok, ok, ok]
    response = send(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "45"  # the minute ends in 45 s
    text = response.json()["detail"] if kind == "api" else response.content.decode()
    assert text == MESSAGE
    # Another address is not limited; the next minute starts again.
    assert send(client_from(client, "10.0.0.2")).status_code == ok
    at(60)
    assert send(client_from(client, "127.0.0.1")).status_code == ok


def client_from(client, address):
    client.defaults["REMOTE_ADDR"] = address
    return client


def test_uploads_are_limited(client, settings, at):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": 2}
    client.force_login(agent(Role.COMMUNE, Level.COMMUNE, "94028"))

    def upload():
        return client.post(reverse("inventories:index"), {"file": SimpleUploadedFile("x.csv", b"UAI\n")})

    assert [status != 429 for status in statuses(upload, 2)] == [True, True]
    response = upload()
    assert (response.status_code, response["Retry-After"]) == (429, "45")
    assert client.get(reverse("inventories:index")).status_code == 200  # reading the page is not an upload


def test_default_limits_are_generous(settings):
    assert settings.RATE_LIMITS == {"login": 30, "upload": 60, "search": 3000, "api": 12000}


@pytest.mark.parametrize("cached", [False, True])
def test_api_answers_carry_the_security_headers(client, cached):
    if cached:
        client.get("/api/v1/sources")  # the next answer comes from the response cache
    response = client.get("/api/v1/sources")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def start(tmp_path, **env):
    """Django set up in a fresh process with this environment (nothing inherited that says production)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "EDHUB_HTTPS")}
    environment.update(EDHUB_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="edhub.settings.dev", **env)
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False)


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    refused = start(tmp_path, EDHUB_ENV="production")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: edhub en production : définissez SECRET_KEY et ALLOWED_HOSTS "
        "dans l'environnement (voir README)."
    )
    refused = start(tmp_path, ALLOWED_HOSTS="edhub.example.gouv.fr")
    assert (
        refused.stderr.strip().splitlines()[-1].endswith("définissez SECRET_KEY dans l'environnement (voir README).")
    )
    started = start(tmp_path, EDHUB_ENV="production", SECRET_KEY="k" * 60, ALLOWED_HOSTS="edhub.example.gouv.fr")
    assert (started.returncode, started.stdout) == (0, "60\n")
    assert not (tmp_path / "secret_key").exists()


def test_the_embedded_platform_makes_its_own_key_once(tmp_path):
    first, second = start(tmp_path), start(tmp_path)
    assert (first.returncode, first.stdout, second.stdout) == (0, "67\n", "67\n")
    key = (tmp_path / "secret_key").read_text()
    assert len(key) == 67
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
