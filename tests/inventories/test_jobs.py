"""Background analyses never leave an upload stuck: a job that dies loses its lease and the upload is taken back
(queued once again, then failed, saying why), an error or a job over its time budget fails the upload with its
reason, and a failed upload can be re-run or abandoned."""

import datetime
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from edhub.accounts.models import Role
from edhub.inventories import publishing, tasks
from edhub.inventories.models import Upload
from edhub.inventories.tasks import reclaim
from edhub.inventories.validation import Job, LeaseLost
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.inventories.utils import CRETEIL_ECOLE, inventory_csv, row, upload_file
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
INTERRUPTED = "L'analyse a été interrompue (le processus de fond s'est arrêté) ; relancez-la."


@pytest.fixture
def commune_agent():
    return agent(Role.COMMUNE, Level.COMMUNE, "94028")


def dead_analysis(user, attempts, silent_for=61):
    """An upload whose analysis was started `attempts` times, the last one by a worker silent for `silent_for` s."""
    upload = upload_file(user, inventory_csv([row(CRETEIL_ECOLE)]))
    upload.declarations.all().delete()
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.VALIDATING,
        progress=40,
        attempts=attempts,
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=silent_for),
    )
    return upload


def state(upload):
    upload.refresh_from_db()
    return upload.status, upload.attempts, upload.message, upload.heartbeat_at


def test_a_dead_first_analysis_is_queued_again_and_finishes(commune_agent, django_capture_on_commit_callbacks):
    upload = dead_analysis(commune_agent, attempts=1)
    alive = dead_analysis(commune_agent, attempts=1, silent_for=30)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reclaim() == 1
    assert len(callbacks) == 1
    assert state(upload) == (Upload.Status.VALIDATED, 2, "", None)
    assert (upload.rows_valid, upload.declarations.count()) == (1, 1)
    assert state(alive)[:2] == (Upload.Status.VALIDATING, 1)


def test_a_dead_second_analysis_fails_saying_so_and_can_be_re_run(
    client, commune_agent, django_capture_on_commit_callbacks
):
    upload = dead_analysis(commune_agent, attempts=2)
    client.force_login(commune_agent)
    page = text_of(client.get(upload.get_absolute_url()))  # the page load takes it back
    assert state(upload) == (Upload.Status.FAILED, 2, INTERRUPTED, None)
    assert "Analyse échouée" in page
    assert INTERRUPTED.replace("'", "’") in page.replace("'", "’")
    assert "Relancer l’analyse" in page
    assert "Abandonner ce dépôt" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inventories:act", args=[upload.pk, "rerun"]))
    assert response.status_code == 302
    assert state(upload) == (Upload.Status.VALIDATED, 1, "", None)
    assert upload.rows_valid == 1


def test_a_failed_upload_can_be_abandoned(client, commune_agent):
    upload = dead_analysis(commune_agent, attempts=2)
    reclaim()
    client.force_login(commune_agent)
    client.post(reverse("inventories:act", args=[upload.pk, "cancel"]))
    assert state(upload)[:3] == (Upload.Status.CANCELLED, 2, INTERRUPTED)


def test_only_a_failed_upload_can_be_re_run_and_a_live_analysis_not_abandoned(commune_agent):
    upload = dead_analysis(commune_agent, attempts=1, silent_for=0)
    with pytest.raises(publishing.NotAllowed) as refusal:
        publishing.cancel(upload)
    assert str(refusal.value) == "Ce dépôt ne peut pas être abandonné : il est « Analyse en cours »."
    with pytest.raises(publishing.NotAllowed) as refusal:
        publishing.rerun(upload)
    assert str(refusal.value) == ("Seule une analyse échouée peut être relancée (ce dépôt est « Analyse en cours »).")


def test_an_analysis_over_its_time_budget_fails(commune_agent, settings):
    settings.TASK_MAX_SECONDS = 0
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE)] * 300))
    assert (upload.status, upload.declarations.count()) == (Upload.Status.FAILED, 0)
    assert upload.message == (
        "L'analyse a dépassé sa durée maximale (0 s) : le fichier est trop lourd pour être analysé d'un seul "
        "tenant. Découpez-le (par commune ou par département) et déposez chaque morceau."
    )


def test_a_job_whose_upload_was_taken_back_writes_nothing(commune_agent):
    upload = dead_analysis(commune_agent, attempts=1, silent_for=0)
    upload.refresh_from_db()
    job = Job(upload)
    job.beat(progress=50)
    Upload.objects.filter(pk=upload.pk).update(attempts=2)  # taken back and started again elsewhere
    with pytest.raises(LeaseLost):
        job.beat(progress=60)
    with pytest.raises(LeaseLost):
        job.finish(upload, Upload.Status.VALIDATED)
    assert state(upload)[:2] == (Upload.Status.VALIDATING, 2)
    assert upload.progress == 50


def test_a_recomputation_whose_worker_died_is_failed_and_queued_again_once(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    queued = []
    recorder = SimpleNamespace(enqueue=lambda *args, **kwargs: queued.append((args, kwargs)))
    monkeypatch.setattr(tasks, "recompute_indicators", recorder)
    started = timezone.now() - datetime.timedelta(seconds=settings.TASK_MAX_SECONDS + settings.TASK_LEASE_SECONDS + 1)
    dead = [
        DBTaskResult.objects.create(
            status="RUNNING",
            started_at=started,
            run_after=started,
            args_kwargs={"args": [None], "kwargs": {"attempt": attempt}},
            task_path="edhub.inventories.tasks.recompute_indicators",
            backend_name="default",
        )
        for attempt in (1, 2)
    ]
    running = DBTaskResult.objects.create(
        status="RUNNING",
        started_at=timezone.now(),
        run_after=started,
        args_kwargs={"args": [None], "kwargs": {}},
        task_path="edhub.inventories.tasks.recompute_indicators",
        backend_name="default",
    )
    assert tasks.reclaim_task_results() == 2
    assert [DBTaskResult.objects.get(pk=result.pk).status for result in [*dead, running]] == [
        "FAILED",
        "FAILED",
        "RUNNING",
    ]
    assert DBTaskResult.objects.get(pk=dead[0].pk).exception_class_path == "edhub.inventories.tasks.WorkerDied"
    assert queued == [((None,), {"attempt": 2})]


def test_an_analysis_out_of_memory_fails_saying_so(commune_agent, settings, monkeypatch):
    from edhub.inventories import validation

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(validation, "_validate", exhausted)
    settings.TASK_MAX_MEMORY_MB = 512
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE)]))
    assert (upload.status, upload.declarations.count()) == (Upload.Status.FAILED, 0)
    assert upload.message == (
        "L'analyse a dépassé la mémoire permise à un traitement de fond (512 Mo) : découpez le fichier (par commune "
        "ou par département) et déposez chaque morceau."
    )


def test_a_worker_process_is_bounded_in_memory():
    """`edhub db_worker` bounds its process (edhub.cli.limit_memory): past the bound, an allocation fails with
    MemoryError, which the analysis reports (above) instead of growing until the machine swaps."""
    script = (
        "from edhub.cli import limit_memory\n"
        "limit_memory(300)\n"
        "small = bytearray(50 * 1024 * 1024)\n"
        "try:\n"
        "    big = bytearray(400 * 1024 * 1024)\n"
        "except MemoryError:\n"
        "    print('MemoryError')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "MemoryError\n")
