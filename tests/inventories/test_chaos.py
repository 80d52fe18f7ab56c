"""Chaos: a real worker (`edhub db_worker`) is killed (SIGKILL) in the middle of an analysis, twice. Its lease
expires (settings.TASK_LEASE_SECONDS, 2 s here through EDHUB_TASK_LEASE_SECONDS) and the lease check takes the
upload back: queued again after the first death, failed with its reason after the second. The worker runs on a
file copy of the test database (the session's real data), so that both processes see the same rows."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import OPENDATA, REAL_FILES
from tests.inventories.utils import CRETEIL_ECOLE, inventory_csv, row

pytestmark = pytest.mark.django_db
EDHUB = Path(sys.executable).parent / "edhub"
LEASE_SECONDS = 2
INTERRUPTED = "L'analyse a été interrompue (le processus de fond s'est arrêté) ; relancez-la."
CREATE = """
from django.core.files import File
from edhub.accounts.models import Role
from edhub.accounts.scope import membership_of
from edhub.inventories.models import Upload
from edhub.inventories.tasks import validate_upload
from edhub.territories.models import Level
from tests.accounts.factories import agent
user = agent(Role.COMMUNE, Level.COMMUNE, "94028")
with open({path!r}, "rb") as file:
    upload = Upload.objects.create(territory=membership_of(user).territory, author=user, role=Role.COMMUNE,
                                   file=File(file, name="grand.csv"), file_name="grand.csv", checksum="-")
validate_upload.enqueue(upload.pk)
print(upload.pk)
"""


@pytest.fixture(scope="module")
def scratch(django_db_setup, django_db_blocker, tmp_path_factory):
    """The environment of the subprocesses: a file copy of the test database (taken outside any test's transaction,
    which would lock it), their own var folder, a short lease."""
    folder = tmp_path_factory.mktemp("chaos")
    database = folder / "chaos.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "EDHUB_VAR_DIR": str(folder / "var"),
        "EDHUB_TASK_LEASE_SECONDS": str(LEASE_SECONDS),
        "PYTHONPATH": str(settings.BASE_DIR),
        "SECRET_KEY": "chaos-test-key",
        "CONN_MAX_AGE": "0",
    }
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            connection.ensure_connection()
            with sqlite3.connect(database) as copy:
                connection.connection.backup(copy)
    else:
        # A PostgreSQL test database cannot be copied to a file: the same real data is loaded into the file.
        for command in (["setup"], ["import", "annuaire", str(OPENDATA / REAL_FILES["annuaire"])]):
            done = subprocess.run([EDHUB, *command, "-v0"], env=env, cwd=settings.BASE_DIR, capture_output=True)
            assert done.returncode == 0, done.stderr
    return env


def edhub(env, code):
    done = subprocess.run(
        [EDHUB, "shell", "-v0", "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def upload_state(env, pk):
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=10) as database:
        query = "SELECT status, attempts, rows_read, message, heartbeat_at FROM inventories_upload WHERE id = ?"
        return database.execute(query, [pk]).fetchone()


def kill_worker_mid_analysis(env, pk, attempt):
    """Start a worker, wait until it has read rows of the upload in its `attempt`-th analysis, SIGKILL it."""
    worker = subprocess.Popen(
        [EDHUB, "db_worker", "--interval", "0.2", "--no-startup-delay", "-v0"], env=env, cwd=settings.BASE_DIR
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status, attempts, rows_read, _, _ = upload_state(env, pk)
            if (status, attempts) == ("validating", attempt) and rows_read > 0:
                break
            assert worker.poll() is None, "the worker stopped by itself"
            time.sleep(0.05)
        else:
            pytest.fail(f"the worker never started analysing: {upload_state(env, pk)}")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    status, attempts, rows_read, _, _ = upload_state(env, pk)
    assert (status, attempts, 0 < rows_read < 100_000) == ("validating", attempt, True)  # killed mid-analysis


def test_a_killed_worker_s_upload_is_queued_again_then_failed(scratch, tmp_path):
    path = tmp_path / "grand.csv"
    path.write_bytes(inventory_csv([row(CRETEIL_ECOLE)] * 100_000))
    pk = int(edhub(scratch, CREATE.format(path=str(path))))
    reclaim = "from edhub.inventories.tasks import reclaim; print(reclaim())"

    kill_worker_mid_analysis(scratch, pk, attempt=1)
    assert edhub(scratch, reclaim) == "0"  # its lease has not expired yet
    time.sleep(LEASE_SECONDS + 0.5)
    assert edhub(scratch, reclaim) == "1"
    assert upload_state(scratch, pk) == ("pending", 1, 0, "", None)

    kill_worker_mid_analysis(scratch, pk, attempt=2)  # the worker takes the queued analysis again
    time.sleep(LEASE_SECONDS + 0.5)
    assert edhub(scratch, reclaim) == "1"
    status, attempts, _, message, heartbeat_at = upload_state(scratch, pk)
    assert (status, attempts, message, heartbeat_at) == ("failed", 2, INTERRUPTED, None)
    declarations = edhub(
        scratch,
        f"from edhub.inventories.models import Declaration; print(Declaration.objects.filter(upload_id={pk}).count())",
    )
    assert declarations == "0"
