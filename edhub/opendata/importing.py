"""Running an import: checksum, skip when already imported, parse, validate, upsert in one transaction, report."""

import csv
import datetime
import gc
import hashlib
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from edhub.opendata.models import ImportRun
from edhub.opendata.reader import SEPARATORS, RefusedFile, decode, open_table
from edhub.opendata.sources.base import WIDTH_REASON
from edhub.territories.models import Level, Territory
from edhub.utils.bulk import read_pairs

MAX_STORED_REJECTIONS = 50_000
MAX_REFUSED_DETAILS = 100  # rejections kept on a refused run: enough to see the cause
FEW_COMMUNES = 2000  # communes whose départements are looked up one by one (more: all territories are read)
NATIONAL_SHARE = 0.9  # a run that describes at least this share of the départements is national
# SQLite's page cache while an import writes (KiB; its default is 2 MiB): the indexes of the tables it fills
# (schools, figures) are written all over, and a small cache spills their pages to disk and reads them again.
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
# A run still « running » after this long is over whatever its process (an import takes minutes).
INTERRUPTED_AFTER = datetime.timedelta(hours=6)
INTERRUPTED = (
    "Import interrompu : son processus s'est arrêté avant la fin (arrêt forcé, panne). Rien n'a été importé de ce "
    "fichier ; relancez l'import."
)


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
    warnings: list = field(default_factory=list)
    communes: set = field(default_factory=set)  # ids of the communes the accepted rows are about
    schools: set = field(default_factory=set)  # UAIs the accepted rows described
    headers: dict = field(default_factory=dict)  # canonical column -> its header in the file
    # The file describes whole départements: True (those it covers) or their codes; None: it may be partial.
    complete: object = None

    def reject(self, line, column, value, reason):
        self.rejections.append({"line": line, "column": column, "value": value[:200], "reason": reason})

    def warn(self, line, warnings):
        """A kept row's values left empty or repaired: [(column, value, reason)]."""
        self.run.rows_warned += 1
        for column, value, reason in warnings:
            self.warnings.append({"line": line, "column": column, "value": value[:200], "reason": reason})

    def cover(self, commune_id, uai=None):
        """An accepted row is about this commune (and this school): the run's scope."""
        if commune_id is not None:
            self.communes.add(commune_id)
        if uai is not None:
            self.schools.add(uai)

    def tick(self, count=1):
        if self.progress is not None:
            self.progress(count)


def run_import(source, path, *, force=False, progress=None, complete=None) -> Outcome:
    """Import `path` as `source`. Raises RefusedFile (nothing written but the refused run, given as its `run`)
    when the file is not the expected dataset, or when most of its rows are rejected.

    `complete` (the directory only): the file describes whole départements, those it covers (True) or those whose
    codes are given; their schools it no longer lists are marked closed. Without it, no school is closed."""
    path = Path(path)
    if not path.is_file():
        raise RefusedFile(f"Fichier introuvable : {path}")
    mark_interrupted()
    checksum = file_checksum(path)
    previous = ImportRun.objects.succeeded().filter(source=source.slug).order_by("-finished_at").first()
    if previous and previous.checksum == checksum and not force:
        return Outcome(run=None, skipped_by=previous)
    run = ImportRun.objects.create(source=source.slug, file_name=path.name, checksum=checksum, pid=os.getpid())
    try:
        table = open_table(path, source.schema)
        with bulk_work(), transaction.atomic():
            headers = {name: table.header[i].strip() for name, i in table.mapping.items()}
            context = ImportContext(run=run, path=path, progress=progress, headers=headers, complete=complete)
            source.load(table, context)
            run.rejections = sorted(context.rejections, key=lambda r: r["line"])[:MAX_STORED_REJECTIONS]
            run.rows_rejected = len(context.rejections)
            run.warnings = sorted(context.warnings, key=lambda r: r["line"])[:MAX_STORED_REJECTIONS]
            check_mostly_accepted(source, table, context)
            run.scope = scope_of(context)
            run.status = ImportRun.Status.SUCCESS
            run.finished_at = timezone.now()
            run.save()
    except RefusedFile as refusal:
        other = guess_source(path, exclude=source.slug)
        if other is not None and other.title not in str(refusal):
            refusal = RefusedFile(
                f"{refusal} Ce fichier ressemble plutôt à « {other.title} » : edhub import {other.slug} {path.name}"
            )
        _close(run, ImportRun.Status.REFUSED, str(refusal), counted=True)
        refusal.run = run
        raise refusal from None
    except Exception as error:
        _close(run, ImportRun.Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    return Outcome(run=run)


@contextmanager
def bulk_work():
    """What a whole file's import runs in: without the cyclic garbage collector, whose passes would scan again and
    again the hundreds of thousands of objects (rows, keys, values) an import keeps until it writes them, and which
    are no garbage (it costs a third of an import's time); with a larger page cache on SQLite."""
    collecting = gc.isenabled()
    gc.disable()
    cache = None
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB}")
        yield
    finally:
        if cache is not None and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        if collecting:
            gc.enable()


def mark_interrupted():
    """Runs left « running » by a process that is gone (killed, or the machine stopped), or running for longer
    than any import, become failed « interrompu »: their transaction was rolled back, the next import proceeds.
    A run without a process id (the geography's) is judged by its age only."""
    now = timezone.now()
    over = [
        run.pk
        for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING).only("pid", "started_at")
        if run.started_at < now - INTERRUPTED_AFTER or (run.pid is not None and not process_alive(run.pid))
    ]
    return ImportRun.objects.filter(pk__in=over).update(
        status=ImportRun.Status.FAILED, message=INTERRUPTED, finished_at=now
    )


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


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


def check_mostly_accepted(source, table, context):
    """Refuse the whole file when no row, or not even half of the rows (those out of scope aside), is accepted:
    the file is damaged (separator, shifted columns) or is another dataset, and its good rows are not to be
    trusted either. The message names the likely cause."""
    run = context.run
    considered = run.rows_read - run.rows_out_of_scope
    if considered and run.rows_rejected * 2 <= considered:
        return
    name = context.path.name
    if not run.rows_read:
        raise RefusedFile(f"Le fichier « {name} » a l'en-tête attendu mais aucune ligne de données.")
    if not considered:
        raise RefusedFile(
            f"Le fichier « {name} » ne décrit aucune école ni aucun établissement : ses {run.rows_read} lignes "
            "sont hors champ (services administratifs, circonscriptions…)."
        )
    message = f"{run.rows_rejected} lignes rejetées sur {considered} dans « {name} »"
    message += " (aucune ligne acceptée)" if run.rows_rejected == considered else " (plus de la moitié)"
    message += f" : le fichier est refusé en entier. Cause probable : {likely_cause(source, table, context)}"
    raise RefusedFile(message)


def likely_cause(source, table, context):
    reasons = Counter((r["column"], r["reason"]) for r in context.rejections)
    (column, reason), count = reasons.most_common(1)[0]
    if reason == WIDTH_REASON:
        return separator_cause(table, context)
    other = guess_source(context.path, exclude=source.slug)
    if other is not None:
        return (
            f"ce fichier est plutôt « {other.title} » (edhub import {other.slug} {context.path.name}) ; "
            f"{count} lignes rejetées pour la colonne « {column} » : {reason}."
        )
    return (
        f"colonnes décalées ou mal nommées : la colonne « {column} » n'a pas de valeur valable sur {count} lignes "
        f"({reason}). Vérifiez que chaque colonne a le bon en-tête."
    )


def separator_cause(table, context):
    """Why the rows do not have the header's width: another separator, or whole rows in one quoted cell."""
    width = len(table.header)
    first = min(r["line"] for r in context.rejections if r["reason"] == WIDTH_REASON)
    text = decode(context.path.read_bytes()).splitlines()[first - 1]
    expected = f"les lignes n'ont pas les {width} colonnes de l'en-tête séparées par « {table.separator} »"
    for separator in SEPARATORS:
        if separator != table.separator and len(next(csv.reader([text], delimiter=separator))) in (width, width + 1):
            return (
                f"{expected} : elles sont séparées par « {separator} ». Le fichier a été réenregistré avec un autre "
                f"séparateur ; réenregistrez-le en CSV séparateur « {table.separator} » (ou reprenez le fichier "
                "officiel)."
            )
    if len(next(csv.reader([text], delimiter=table.separator))) == 1:
        return (
            f"{expected} : chaque ligne tient en une seule cellule (entre guillemets), ce que fait un tableur qui "
            "réenregistre le fichier avec le séparateur « , » sans l'avoir découpé en colonnes. Reprenez le "
            "fichier officiel."
        )
    return f"{expected} : séparateur modifié, ou colonnes ajoutées ou retirées dans les lignes."


def scope_of(context):
    """Which territories the run described: the départements of its schools or communes, and how many."""
    departements = {code: name for code, (_, name) in departements_of(context.communes).items()}
    total = Territory.objects.current().filter(level=Level.DEPARTEMENT).count()
    if context.schools:
        count = f"{len(context.schools):,} écoles et établissements".replace(",", "\u202f")
    else:
        count = f"{len(context.communes):,} communes".replace(",", "\u202f")
    if total and len(departements) >= NATIONAL_SHARE * total:
        label = f"national ({count})"
    elif len(departements) <= 3:
        label = ", ".join(f"{name} ({code})" for code, name in sorted(departements.items())) + f" : {count}"
    else:
        label = f"{len(departements)} départements : {count}"
    return {
        "label": label if departements else "",
        "departements": sorted(departements),
        "communes": len(context.communes),
        "schools": len(context.schools),
    }


def departements_of(commune_ids):
    """{code: (id, name)} of the départements of these communes."""
    ids = set(commune_ids)
    if len(ids) > FEW_COMMUNES:
        # Thousands of communes: each territory's département, read at once, costs less than naming them all in
        # queries (id IN (…), 5,000 parameters a query).
        of = read_pairs(Territory.objects.filter(departement__isnull=False).values_list("id", "departement_id"))
        found = {of[i] for i in ids if i in of}
    else:
        found = set()
        ids = list(ids)
        for start in range(0, len(ids), 5000):
            found.update(
                Territory.objects.filter(id__in=ids[start : start + 5000], departement__isnull=False)
                .values_list("departement_id", flat=True)
                .distinct()
            )
    rows = Territory.objects.filter(id__in=found).values_list("code", "id", "name")
    return {code: (id_, name) for code, id_, name in rows}


def _close(run, status, message, counted=False):
    """Record how a run ended without writing anything else (its transaction was rolled back); a refused run
    keeps what was counted, for its report."""
    fields = {"status": status, "message": message, "finished_at": timezone.now()}
    if counted:
        for name in ("rows_read", "rows_rejected", "rows_warned", "rows_out_of_scope", "rejections", "warnings"):
            fields[name] = getattr(run, name)
        fields["rejections"] = fields["rejections"][:MAX_REFUSED_DETAILS]
        fields["warnings"] = fields["warnings"][:MAX_REFUSED_DETAILS]
    ImportRun.objects.filter(pk=run.pk).update(**fields)
    run.refresh_from_db()
