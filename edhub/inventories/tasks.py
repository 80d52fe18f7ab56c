"""Background work of the inventories (django-tasks): the analysis of large files and the recomputation of the
indicators after a publication or a rollback. `make run` starts a worker (`edhub db_worker`); tests run tasks
immediately."""

from django_tasks import task

from edhub.indicators.catalogue import indicators_of_source
from edhub.indicators.engine import compute
from edhub.inventories.models import SOURCE, Upload
from edhub.inventories.validation import validate
from edhub.territories.models import Territory

# Files up to this size are analysed during the upload request; larger ones by the worker, with a progress bar.
INLINE_MAX_BYTES = 64 * 1024


@task()
def validate_upload(upload_id):
    upload = Upload.objects.filter(pk=upload_id, status=Upload.Status.PENDING).first()
    if upload is not None:
        validate(upload)


@task()
def recompute_indicators(territory_id):
    """Recompute the indicators read from local declarations: the values of this territory's schools and of the
    territories containing them (every value when None, the national dataset)."""
    territory = Territory.objects.filter(pk=territory_id).first() if territory_id else None
    compute(indicators_of_source(SOURCE), territory=territory)
