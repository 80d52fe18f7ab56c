"""The login lockout holds under parallel attempts: 30 wrong passwords at once check exactly LOGIN_ATTEMPTS of them.

The attempts run in threads, each with its own database connection, so the account they try must be committed: a
transactional test, limited to the accounts' tables (emptied at its end; the real data of the session stays). It
runs on SQLite and on PostgreSQL (where the rows are really updated in parallel).
"""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import OperationalError, connection

from edhub.www.accounts.forms import LoginForm
from tests.accounts.factories import PASSWORD

PARALLEL = 30
LOCKED_RETRIES = 500


@pytest.mark.django_db(
    transaction=True,
    available_apps=["django.contrib.auth", "django.contrib.contenttypes", "auditlog", "edhub.accounts"],
)
def test_parallel_wrong_passwords_check_only_the_allowed_attempts(monkeypatch, settings):
    get_user_model().objects.create_user("parallele", password=PASSWORD)
    checks, lock = [], threading.Lock()
    authenticate = ModelBackend.authenticate

    def counted(self, request, username=None, password=None, **kwargs):
        with lock:
            checks.append(password)
        return authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counted)
    start, errors = threading.Barrier(PARALLEL), []
    outcomes = []

    def attempt(number):
        try:
            start.wait()
            for _ in range(LOCKED_RETRIES):
                form = LoginForm(data={"username": "parallele", "password": f"mauvais-{number}"})
                try:
                    form.is_valid()
                    break
                except OperationalError as error:
                    # SQLite's busy wait, which a shared in-memory database does not do: try the attempt again.
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    time.sleep(0.01)
            with lock:
                outcomes.append(form.errors.as_data()["__all__"][0].code)
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(checks) == settings.LOGIN_ATTEMPTS == 5
    assert sorted(outcomes) == ["invalid_login"] * 5 + ["locked"] * (PARALLEL - 5)
    # Locked now, even with the right password.
    form = LoginForm(data={"username": "parallele", "password": PASSWORD})
    assert not form.is_valid()
    assert form.errors.as_data()["__all__"][0].code == "locked"
    assert len(checks) == 5
