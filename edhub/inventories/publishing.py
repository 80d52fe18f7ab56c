"""Publishing an analysed upload as the new version of its territory's dataset, and rolling a version back.

Both record an ImportRun of the source "inventaires": the indicators that read local declarations see a new
import and are recomputed (in the background, for the uploader's territory only), and every cache keyed by the
data version is renewed.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from edhub.inventories.models import SOURCE, Upload
from edhub.opendata.models import ImportRun
from edhub.opendata.values import school_years

# What can be abandoned: anything not being analysed nor published (a stuck analysis is failed first: tasks.reclaim).
ABANDONABLE = (Upload.Status.PENDING, Upload.Status.VALIDATED, Upload.Status.REFUSED, Upload.Status.FAILED)


class NotAllowed(Exception):
    """The action is not possible in the upload's current state; the message says why, in French."""


def publish(upload, user):
    """Make an analysed upload the current version of its dataset."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status != Upload.Status.VALIDATED:
            raise NotAllowed(f"Ce dépôt ne peut pas être publié : il est « {upload.get_status_display()} ».")
        if not upload.rows_valid:
            raise NotAllowed("Ce dépôt n'a aucune ligne valide : il ne peut pas être publié.")
        versions = Upload.objects.filter(territory=upload.territory, version__isnull=False)
        upload.version = (versions.aggregate(last=Max("version"))["last"] or 0) + 1
        upload.status, upload.confirmed_at, upload.confirmed_by = Upload.Status.CONFIRMED, timezone.now(), user
        rentrees = set(upload.declarations.values_list("rentree", flat=True).distinct().order_by())
        upload.run = _record(
            upload,
            f"{upload.territory_label}, version {upload.version}, rentrée {school_years(rentrees)}",
            created=upload.rows_valid,
            rejected=upload.rows_rejected,
            message=f"Publié par {user.get_username()}",
        )
        upload.save()
    _recompute(upload)
    return upload


def roll_back(upload, user, reason):
    """Withdraw a published version: the previous declarations of its schools are current again."""
    reason = reason.strip()
    if not reason:
        raise NotAllowed("Indiquez le motif de l'annulation.")
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status != Upload.Status.CONFIRMED:
            raise NotAllowed(
                f"Seule une version publiée peut être annulée (ce dépôt est « {upload.get_status_display()} »)."
            )
        upload.status, upload.rolled_back_at, upload.rolled_back_by = Upload.Status.ROLLED_BACK, timezone.now(), user
        upload.rollback_reason = reason
        upload.save()
        _record(
            upload,
            f"{upload.territory_label}, annulation de la version {upload.version}",
            updated=upload.rows_valid,
            message=f"Annulé par {user.get_username()} : {reason}",
        )
    _recompute(upload)
    return upload


def cancel(upload):
    """Drop an analysed upload that will not be published (its declarations go with it)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status not in ABANDONABLE:
            raise NotAllowed(f"Ce dépôt ne peut pas être abandonné : il est « {upload.get_status_display()} ».")
        upload.declarations.all().delete()
        upload.status = Upload.Status.CANCELLED
        upload.save()
    return upload


def rerun(upload):
    """Analyse a failed upload again, from scratch."""
    from edhub.inventories.tasks import validate_upload

    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status != Upload.Status.FAILED:
            raise NotAllowed(
                f"Seule une analyse échouée peut être relancée (ce dépôt est « {upload.get_status_display()} »)."
            )
        upload.declarations.all().delete()
        upload.status, upload.progress, upload.message, upload.attempts = Upload.Status.PENDING, 0, "", 0
        upload.rows_read = upload.rows_valid = upload.rows_blank = upload.rows_rejected = 0
        upload.problems, upload.problem_counts = [], []
        upload.save()
        transaction.on_commit(lambda: validate_upload.enqueue(upload.pk))
    return upload


def _record(upload, vintage, created=0, updated=0, rejected=0, message=""):
    now = timezone.now()
    return ImportRun.objects.create(
        source=SOURCE,
        file_name=upload.file_name,
        checksum=upload.checksum,
        vintage=vintage,
        finished_at=now,
        status=ImportRun.Status.SUCCESS,
        rows_read=upload.rows_read,
        rows_created=created,
        rows_updated=updated,
        rows_rejected=rejected,
        message=message,
    )


def _recompute(upload):
    from edhub.inventories.tasks import recompute_indicators

    transaction.on_commit(lambda: recompute_indicators.enqueue(upload.territory_id))
