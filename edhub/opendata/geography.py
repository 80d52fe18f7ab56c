"""The reference geography's load recorded as an import run, as the open-data files are: skipped when its inputs have
not changed (checksum), marked failed when it fails. The loading is territories' (edhub.territories.geography); the
run is opendata's, which writes into territories, not the reverse."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from edhub.opendata.models import ImportRun
from edhub.territories import geography


@dataclass
class GeographyResult:
    run: ImportRun | None
    skipped: bool
    counts: dict


def load_geography(*, force=False, progress=True) -> GeographyResult:
    """Load the national reference geography unless the same inputs were loaded already (or `force`). Raises
    geography.GeographyMissing when the registry packages are not installed."""
    files = geography.input_files()
    checksum = geography.inputs_checksum(files)
    done = ImportRun.objects.succeeded().filter(source=geography.SOURCE, checksum=checksum).first()
    if done and not force:
        return GeographyResult(run=done, skipped=True, counts={})
    from tqdm import tqdm

    steps = tqdm(total=geography.STEPS, desc="Géographie de référence", unit="étape", disable=not progress)
    run = ImportRun.objects.create(
        source=geography.SOURCE, checksum=checksum, vintage=geography.VINTAGE, file_name=geography.INPUTS
    )
    try:
        with transaction.atomic():
            counts = geography.load(run, steps)
            run.status = ImportRun.Status.SUCCESS
            run.finished_at = timezone.now()
            run.rows_read = sum(counts.values())
            run.save()
    except Exception as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, message=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    finally:
        steps.close()
    return GeographyResult(run=run, skipped=False, counts=counts)
