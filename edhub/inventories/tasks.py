"""Background work of the inventories (django-tasks): the analysis of large files and the recomputation of the
indicators after a publication or a rollback. `make run` starts a worker (`edhub db_worker`); tests run tasks
immediately.

An analysis holds a lease on its upload (validation.Job): it renews `heartbeat_at` as it reads. When its worker
dies, the lease expires (settings.TASK_LEASE_SECONDS) and `reclaim` — run by every page of the uploads and by the
worker before each analysis — takes the upload back: re-queued once, then failed, saying so.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from edhub.indicators.catalogue import indicators_of_source
from edhub.indicators.engine import compute
from edhub.inventories.models import SOURCE, Upload
from edhub.inventories.validation import validate
from edhub.territories.models import Territory

# Files up to this size are analysed during the upload request; larger ones by the worker, with a progress bar.
INLINE_MAX_BYTES = 64 * 1024
MAX_ATTEMPTS = 2  # analyses started for one upload before an interrupted one is failed rather than re-queued
INTERRUPTED = "L'analyse a été interrompue (le processus de fond s'est arrêté) ; relancez-la."


@task()
def validate_upload(upload_id):
    reclaim()
    upload = Upload.objects.filter(pk=upload_id, status=Upload.Status.PENDING).first()
    if upload is not None:
        validate(upload)


@task()
def recompute_indicators(territory_id, attempt=1):
    """Recompute the indicators read from local declarations: the values of this territory's schools and of the
    territories containing them (every value when None, the national dataset). `attempt` counts the runs: one whose
    worker died is queued again once (see reclaim)."""
    territory = Territory.objects.filter(pk=territory_id).first() if territory_id else None
    compute(indicators_of_source(SOURCE), territory=territory)


class WorkerDied(Exception):
    """Recorded on a task result still running past its time budget: its worker stopped without saying so."""


def reclaim():
    """Take back the analyses whose lease expired (their worker died): each is queued again if it was its first
    analysis, failed otherwise; and the task results of dead workers (reclaim_task_results). Returns the number of
    uploads taken back."""
    reclaim_task_results()
    expired = timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    stale = Upload.objects.filter(status=Upload.Status.VALIDATING, heartbeat_at__lt=expired)
    taken = 0
    for pk, attempts in stale.values_list("pk", "attempts"):
        mine = stale.filter(pk=pk, attempts=attempts)  # not renewed nor taken back meanwhile
        with transaction.atomic():
            if attempts < MAX_ATTEMPTS:
                if mine.update(status=Upload.Status.PENDING, progress=0, rows_read=0, heartbeat_at=None):
                    transaction.on_commit(lambda pk=pk: validate_upload.enqueue(pk))
                    taken += 1
            else:
                taken += mine.update(status=Upload.Status.FAILED, progress=100, message=INTERRUPTED, heartbeat_at=None)
    return taken


def reclaim_task_results():
    """Task results still running well past the time budget of a job: their worker died. Each is marked failed with
    the reason; a recomputation (idempotent) is queued again once. Returns the number marked."""
    from django_tasks_db.models import DBTaskResult

    overdue = timezone.now() - datetime.timedelta(seconds=settings.TASK_MAX_SECONDS + settings.TASK_LEASE_SECONDS)
    dead = DBTaskResult.objects.running().filter(started_at__lt=overdue)
    for result in dead:
        result.set_failed(WorkerDied(f"no end after {settings.TASK_MAX_SECONDS} s: its worker stopped"))
        kwargs = result.args_kwargs.get("kwargs", {})
        if result.task_path == RECOMPUTE_PATH and kwargs.get("attempt", 1) < MAX_ATTEMPTS:
            recompute_indicators.enqueue(*result.args_kwargs.get("args", []), attempt=kwargs.get("attempt", 1) + 1)
    return len(dead)


RECOMPUTE_PATH = f"{__name__}.recompute_indicators"
