"""Running an import: checksum, skip when already imported, parse, validate, upsert in one transaction, report."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from edhub.opendata.models import ImportRun
from edhub.opendata.reader import RefusedFile, open_table

MAX_STORED_REJECTIONS = 50_000


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Outcome:
    run: ImportRun | None
    skipped_by: ImportRun | None = None

    @property
    def skipped(self):
        return self.skipped_by is not None


@dataclass
class ImportContext:
    """What a source's loader writes to: the run, the rejections, the counters, the progress callback."""

    run: ImportRun
    path: Path
    progress: object = None
    rejections: list = field(default_factory=list)

    def reject(self, line, column, value, reason):
        self.rejections.append({"line": line, "column": column, "value": value[:200], "reason": reason})

    def tick(self, count=1):
        if self.progress is not None:
            self.progress(count)


def run_import(source, path, *, force=False, progress=None) -> Outcome:
    """Import `path` as `source`. Raises RefusedFile (nothing written but the refused run) when the file is not
    the expected dataset."""
    path = Path(path)
    if not path.is_file():
        raise RefusedFile(f"Fichier introuvable : {path}")
    checksum = file_checksum(path)
    previous = ImportRun.objects.succeeded().filter(source=source.slug, checksum=checksum).first()
    if previous and not force:
        return Outcome(run=None, skipped_by=previous)
    run = ImportRun.objects.create(source=source.slug, file_name=path.name, checksum=checksum)
    try:
        table = open_table(path, source.schema)
        with transaction.atomic():
            context = ImportContext(run=run, path=path, progress=progress)
            source.load(table, context)
            run.rejections = sorted(context.rejections, key=lambda r: r["line"])[:MAX_STORED_REJECTIONS]
            run.rows_rejected = len(context.rejections)
            run.status = ImportRun.Status.SUCCESS
            run.finished_at = timezone.now()
            run.save()
    except RefusedFile as refusal:
        other = guess_source(path, exclude=source.slug)
        if other is not None:
            refusal = RefusedFile(
                f"{refusal} Ce fichier ressemble plutôt à « {other.title} » : edhub import {other.slug} {path.name}"
            )
        _close(run, ImportRun.Status.REFUSED, str(refusal))
        raise refusal from None
    except Exception as error:
        _close(run, ImportRun.Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    return Outcome(run=run)


def guess_source(path, exclude=None):
    """The registered source whose header this file has, if any."""
    from edhub.opendata.sources import SOURCES

    for slug, candidate in SOURCES.items():
        if slug == exclude:
            continue
        try:
            open_table(path, candidate.schema)
        except RefusedFile:
            continue
        return candidate
    return None


def _close(run, status, message):
    ImportRun.objects.filter(pk=run.pk).update(status=status, message=message, finished_at=timezone.now())
    run.refresh_from_db()
