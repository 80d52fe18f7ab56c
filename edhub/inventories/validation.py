"""Reading and checking an uploaded inventory: every problem is reported with its line and column.

Only the identity of a row (its UAI, a school of the uploader's scope, and its rentrée) can reject it; a row read
with the wrong number of columns, whose values cannot be placed, is rejected too. A bad value in a declarative
column is left empty and reported as a warning (line, column, value): the school keeps its other values, as in the
open-data imports. A row of the template left as downloaded (its identity only) is « non renseignée »: neither an
error nor a declaration. Every problem of a row is listed, one per column.

A file is refused whole, with the likely cause, when it is not what its extension says, is not an inventory,
declares nothing, has more than half of its filled rows rejected, or has columns that look shifted. Nothing is
published before the agent has seen the preview and confirmed it.
"""

import contextlib
import csv
import logging
import time
import zipfile
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from edhub.accounts.scope import can_write, scope_label, writable_schools
from edhub.inventories.columns import COLUMNS, COLUMNS_BY_NAME, DATA_COLUMNS
from edhub.inventories.files import fr_int, mismatch, over_limits
from edhub.inventories.models import Declaration, Technology, Upload
from edhub.opendata import values
from edhub.opendata.reader import RefusedFile, Schema, open_table
from edhub.opendata.sources.base import FirstLines, Rejected, parse
from edhub.schools.models import School, State
from edhub.utils.bulk import write_rows
from edhub.utils.text import fold

logger = logging.getLogger(__name__)
SCHEMA = Schema(
    title="Inventaire du numérique des écoles et établissements (modèle edhub)",
    columns={column.name: (column.header, column.name) for column in COLUMNS},
    required=("uai", "rentree"),
)
PROGRESS_EVERY = 250  # rows between two progress updates
DECLARATION_FIELDS = ["upload", "school", "rentree", "line", *(column.name for column in DATA_COLUMNS)]
FIRST_RENTREE = 2000
MAX_PUPILS_PER_CLASS = 35  # above: a warning
SHIFTED_MIN_VALUES = 3  # a column with at least this many unreadable values, most of its values, looks shifted
TECHNOLOGY_WORDS = {
    **{fold(value): value for value in Technology.values},
    **{fold(label): value for value, label in Technology.choices},
    "ftth": Technology.FIBRE,
    "ftto": Technology.FIBRE,
    "fibre optique": Technology.FIBRE,
    "adsl": Technology.CUIVRE,
    "vdsl": Technology.CUIVRE,
    "vdsl2": Technology.CUIVRE,
    "sdsl": Technology.CUIVRE,
    "dsl": Technology.CUIVRE,
    "4g": Technology.MOBILE,
    "5g": Technology.MOBILE,
    "thd radio": Technology.RADIO,
    "sans": Technology.AUCUNE,
    "non connectee": Technology.AUCUNE,
}
YES = {"oui", "o", "1", "vrai", "true", "x"}
NO = {"non", "n", "0", "faux", "false"}

# What a row becomes.
DECLARED, BLANK, REJECTED = "declared", "blank", "rejected"
# What a problem does to its row: the row is rejected, the value is ignored (field left empty), or kept.
ROW_REJECTED, VALUE_IGNORED, VALUE_KEPT = "ligne rejetée", "valeur ignorée", "valeur conservée"
WIDTH_REASON = "nombre de colonnes différent de l'en-tête (séparateur ou guillemets dans une valeur ?)"
# The likely cause of a file whose filled rows are mostly rejected, by the cause of their rejection.
CAUSES = {
    "width": "ses lignes n'ont pas le nombre de colonnes de l'en-tête : séparateur différent, « ; » ou retour à "
    "la ligne dans une valeur, ou colonne ajoutée ou supprimée dans les données sans l'être dans l'en-tête.",
    "uai": "la colonne « UAI » ne contient pas des UAI : colonnes décalées, ou fichier d'un autre jeu de données.",
    "unknown": "ses UAI sont inconnues du répertoire des écoles et établissements : codes abîmés, ou fichier d'un "
    "autre jeu de données.",
    "scope": "ses écoles sont hors de votre périmètre ({scope}) : fichier d'un autre territoire ?",
    "rentree": "la colonne « Rentrée » ne contient pas une année de rentrée : colonnes décalées ?",
    "duplicate": "les mêmes écoles et rentrées y reviennent plusieurs fois : lignes copiées deux fois ?",
    "unreadable": "aucune valeur de ses colonnes déclaratives n'est lisible : colonnes décalées ?",
}


def current_rentree(today=None):
    """The rentrée of the school year under way (September starts a new one)."""
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


class LeaseLost(Exception):
    """The analysis was taken back from this job (its lease expired: see tasks.reclaim): it stops, writing nothing."""


class OverBudget(Exception):
    """The analysis ran longer than settings.TASK_MAX_SECONDS."""


def validate(upload):
    """Read the upload's file, check every row, store its declarations (not yet published) or refuse it whole.
    Only a pending upload is analysed. Whatever happens, the upload does not stay « Analyse en cours »: an
    analysis over its time budget or stopped by an internal error fails, saying why (the error is logged)."""
    claimed = Upload.objects.filter(pk=upload.pk, status=Upload.Status.PENDING).update(
        status=Upload.Status.VALIDATING, progress=0, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    upload.refresh_from_db()
    if not claimed:
        return upload
    job = Job(upload)
    try:
        return _validate(upload, job)
    except LeaseLost:
        logger.warning("Analysis of inventory upload %s was taken back from this job", upload.pk)
        return Upload.objects.get(pk=upload.pk)
    except OverBudget:
        message = (
            f"L'analyse a dépassé sa durée maximale ({settings.TASK_MAX_SECONDS} s) : le fichier est trop lourd "
            "pour être analysé d'un seul tenant. Découpez-le (par commune ou par département) et déposez chaque "
            "morceau."
        )
    except MemoryError:
        logger.exception("Analysis of inventory upload %s ran out of its memory", upload.pk)
        message = (
            f"L'analyse a dépassé la mémoire permise à un traitement de fond ({settings.TASK_MAX_MEMORY_MB} Mo) : "
            "découpez le fichier (par commune ou par département) et déposez chaque morceau."
        )
    except Exception as error:
        logger.exception("Analysis of inventory upload %s failed", upload.pk)
        message = (
            f"L'analyse du fichier a échoué sur une erreur interne d'edhub ({type(error).__name__}), signalée à ses "
            "administrateurs. Relancez l'analyse plus tard ; si l'erreur persiste, joignez le fichier à votre "
            "demande d'assistance."
        )
    upload = Upload.objects.get(pk=upload.pk)
    upload.problems, upload.problem_counts = [], []
    with contextlib.suppress(LeaseLost):  # taken back meanwhile: its new job reports
        job.finish(upload, Upload.Status.FAILED, message=message)
    return Upload.objects.get(pk=upload.pk)


class Job:
    """The lease of one analysis on its upload: renewed with the progress, checked before anything is written."""

    def __init__(self, upload):
        self.pk, self.attempt = upload.pk, upload.attempts
        self.deadline = time.monotonic() + settings.TASK_MAX_SECONDS

    def beat(self, **fields):
        if time.monotonic() > self.deadline:
            raise OverBudget
        mine = Upload.objects.filter(pk=self.pk, status=Upload.Status.VALIDATING, attempts=self.attempt)
        if not mine.update(heartbeat_at=timezone.now(), **fields):
            raise LeaseLost

    def finish(self, upload, status, message=""):
        with transaction.atomic():
            current = Upload.objects.select_for_update().filter(pk=self.pk).values("status", "attempts").first()
            if current != {"status": Upload.Status.VALIDATING, "attempts": self.attempt}:
                raise LeaseLost
            upload.status, upload.message, upload.progress, upload.heartbeat_at = status, message, 100, None
            upload.save()


def _validate(upload, job):
    try:
        with upload.file.open("rb") as file:
            wrong_content = mismatch(upload.file_name, file) or over_limits(upload.file_name, file)
        if wrong_content:
            raise RefusedFile(wrong_content)
        table = open_table(upload.file.path, SCHEMA)
        if len(table.header) > settings.INVENTORY_LIMITS["columns"]:
            raise RefusedFile(
                f"Le fichier « {upload.file_name} » est refusé en entier : son en-tête compte "
                f"{fr_int(len(table.header))} colonnes (au plus {settings.INVENTORY_LIMITS['columns']}, limite "
                "d'edhub). Déposez le modèle, sans colonnes ajoutées."
            )
        checker = RowChecker(upload)  # the role and territory the upload was made with
        declarations, problems, counts = _read(upload, table, checker, job)
    except RefusedFile as error:
        job.finish(upload, Upload.Status.REFUSED, message=str(error))
        return upload
    except csv.Error as error:  # a line the reader could not split (a field over its limit)
        message = (
            f"Le fichier « {upload.file_name} » est refusé en entier : une ligne n'est pas du CSV lisible ({error})."
        )
        job.finish(upload, Upload.Status.REFUSED, message=message)
        return upload
    upload.rows_read = sum(counts.values())
    upload.rows_valid, upload.rows_blank, upload.rows_rejected = counts[DECLARED], counts[BLANK], counts[REJECTED]
    upload.problems, upload.problem_counts = problems.kept, problems.counts()
    refusal = _refusal(upload, checker)
    if refusal:
        job.finish(upload, Upload.Status.REFUSED, message=refusal)
        return upload
    with transaction.atomic():
        write_rows(Declaration, DECLARATION_FIELDS, DECLARATION_FIELDS[:3], declarations, [])
        job.finish(upload, Upload.Status.VALIDATED, message=_columns_note(table))
    return upload


class ProblemLog:
    """The problems of an upload: all counted by kind (column and effect), the first ones of each kind kept."""

    def __init__(self):
        self.kept, self.by_kind = [], Counter()
        self.per_kind = settings.INVENTORY_LIMITS["problems_per_kind"]

    def extend(self, problems):
        for problem in problems:
            kind = (problem["column"], problem["effect"])
            self.by_kind[kind] += 1
            if self.by_kind[kind] <= self.per_kind:
                self.kept.append(problem)

    def counts(self):
        return [
            {"column": column, "effect": effect, "blocking": effect == ROW_REJECTED, "count": count}
            for (column, effect), count in self.by_kind.items()
        ]


def _read(upload, table, checker, job):
    """([declaration as a tuple of DECLARATION_FIELDS], ProblemLog, Counter of DECLARED, BLANK and REJECTED rows)
    of a table."""
    limits = settings.INVENTORY_LIMITS
    total = max(_line_count(upload.file.path) - table.header_line, 1)
    declarations, problems, counts = [], ProblemLog(), Counter()
    for read, (line, row) in enumerate(table.rows, start=1):
        if read > limits["rows"]:
            raise RefusedFile(
                f"Le fichier « {upload.file_name} » est refusé en entier : il compte plus de {fr_int(limits['rows'])} "
                "lignes de données (limite d'edhub). Découpez-le (par commune ou par département) et déposez chaque "
                "morceau."
            )
        try:
            declaration, found = checker.check(line, row)
        except TooLong as error:
            raise RefusedFile(
                f"Le fichier « {upload.file_name} » est refusé en entier : la valeur de la ligne {line}, colonne "
                f"« {error.column.header} », compte {fr_int(len(error.value))} caractères (au plus "
                f"{fr_int(limits['cell_chars'])}, limite d'edhub). Corrigez cette valeur."
            ) from None
        problems.extend(found)
        if declaration is not None:
            declarations.append((upload.pk, *declaration))
            counts[DECLARED] += 1
        else:
            counts[REJECTED if found else BLANK] += 1
        if read % PROGRESS_EVERY == 0:
            job.beat(progress=min(99, 100 * read // total), rows_read=read)
    return declarations, problems, counts


def _refusal(upload, checker):
    """Why the analysed file is refused whole, in French; "" when it is not."""
    if not upload.rows_read:
        return "Le fichier ne contient aucune ligne de données."
    if not upload.rows_valid and not upload.rows_rejected:
        lines = "sa seule ligne est non renseignée"
        if upload.rows_read > 1:
            lines = f"ses {upload.rows_read} lignes sont non renseignées"
        return (
            f"Le fichier ne déclare rien : {lines} (seules les colonnes "
            "« UAI », « Nom », « Commune » et « Rentrée » sont remplies). Remplissez au moins une école."
        )
    filled = upload.rows_valid + upload.rows_rejected
    if 2 * upload.rows_rejected > filled:
        cause, _ = checker.causes.most_common(1)[0]
        return (
            f"{upload.rows_rejected} des {filled} lignes renseignées sont rejetées, plus de la moitié : le fichier "
            f"est refusé en entier. Cause probable : {CAUSES[cause].format(scope=checker.scope)} Rien n'a été "
            "enregistré ; corrigez le fichier (anomalies ci-dessous) et déposez-le à nouveau."
        )
    shifted = checker.shifted_columns()
    if len(shifted) >= 2:
        names = ", ".join(f"« {COLUMNS_BY_NAME[name].header} »" for name in shifted)
        return (
            f"Les colonnes {names} contiennent surtout des valeurs illisibles : le fichier est refusé en entier. "
            "Cause probable : colonnes décalées (une colonne insérée ou supprimée dans les données, pas dans "
            "l'en-tête, ou des cellules déplacées). Rien n'a été enregistré ; comparez le fichier au modèle et "
            "déposez-le à nouveau."
        )
    return ""


def _columns_note(table):
    """What the agent should know of the file's header: template columns missing, columns not recognised."""
    notes = []
    missing = [column.header for column in DATA_COLUMNS if column.name not in table.mapping]
    if missing:
        names = ", ".join(f"« {header} »" for header in missing)
        notes.append(f"Colonnes du modèle absentes du fichier (valeurs inconnues pour toutes les écoles) : {names}.")
    used = set(table.mapping.values())
    unknown = [cell.strip() for index, cell in enumerate(table.header) if index not in used and cell.strip()]
    if unknown:
        names = ", ".join(f"« {header} »" for header in unknown)
        notes.append(
            f"Colonnes non reconnues, ignorées : {names} (intitulés attendus : voir la documentation du modèle)."
        )
    return " ".join(notes)


def _line_count(path):
    """The number of lines (CSV) or rows (XLSX) of the file, for the progress bar."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head == b"PK\x03\x04":
            import openpyxl

            try:
                book = openpyxl.load_workbook(path, read_only=True)
                return max((sheet.max_row or 0) for sheet in book.worksheets)
            except (zipfile.BadZipFile, KeyError, OSError, ValueError):
                return 1
        handle.seek(0)
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) + 1


def _problem(line, column, value, reason, effect):
    header = COLUMNS_BY_NAME[column].header if column in COLUMNS_BY_NAME else (column or "")
    return {
        "line": line,
        "column": header,
        "value": str(value)[:100],
        "reason": reason,
        "effect": effect,
        "blocking": effect == ROW_REJECTED,
    }


class RowChecker:
    """Checks the rows of one upload against the registry and the uploader's scope."""

    def __init__(self, holder):
        """`holder`: what holds the role and territory the rows are checked against (the upload itself)."""
        self.states = dict(School.objects.values_list("uai", "state"))
        self.writable = set(writable_schools(holder).values_list("uai", flat=True))
        self.scope = scope_label(holder)
        self.can_write = can_write(holder)
        self.last_rentree = current_rentree() + 1
        self.seen = FirstLines()
        self.causes = Counter()  # rejected rows by cause (a key of CAUSES)
        self.filled = Counter()  # declarative columns: non-empty values
        self.unreadable = Counter()  # declarative columns: values that could not be read
        self.values = {}  # (column, raw value): (value, Rejected or None)
        self.cell_chars = settings.INVENTORY_LIMITS["cell_chars"]

    def check(self, line, row):
        """(declaration or None, [problems]) of one row, the declaration as the values of DECLARATION_FIELDS but the
        upload: no declaration and no problem for a row left blank."""
        width_ok = row.pop("_width")
        if not any(row.get(column.name, "").strip() for column in DATA_COLUMNS):
            return None, []
        if not width_ok:
            self.causes["width"] += 1
            return None, [_problem(line, None, "", WIDTH_REASON, ROW_REJECTED)]
        problems, causes = [], []

        def identity(parser, cause):
            try:
                return parser(row)
            except Rejected as error:
                problems.append(_problem(line, error.column, error.value, error.reason, ROW_REJECTED))
                causes.append(error.cause if isinstance(error, NotDeclarable) else cause)
                return None

        uai = identity(self._uai, "uai")
        rentree = identity(self._rentree, "rentree")
        fields = {}
        for column in DATA_COLUMNS:
            name, raw = column.name, row.get(column.name, "")
            if len(raw) > self.cell_chars:
                raise TooLong(column, raw)
            value, error = self.values.get((name, raw)) or self.read(raw, column)
            if error is None:
                fields[name] = value
            else:
                fields[name] = empty(column)
                problems.append(_problem(line, error.column, error.value, error.reason, VALUE_IGNORED))
                self.unreadable[name] += 1
            if raw and not raw.isspace():
                self.filled[name] += 1
        for name, value, reason in _inconsistencies(fields):
            fields[name] = empty(COLUMNS_BY_NAME[name])
            problems.append(_problem(line, name, value, reason, VALUE_IGNORED))
        if not causes and all(fields[column.name] in (None, "") for column in DATA_COLUMNS):
            reason = "aucune valeur lisible dans les colonnes déclarées"
            problems.append(_problem(line, None, "", reason, ROW_REJECTED))
            causes.append("unreadable")
        if not causes:  # a duplicate is reported against the line that was kept
            try:
                self.seen.claim((uai, rentree), line, "uai", "école et rentrée")
            except Rejected as error:
                problems.append(_problem(line, error.column, error.value, error.reason, ROW_REJECTED))
                causes.append("duplicate")
        if causes:
            self.causes[causes[0]] += 1
            return None, _in_column_order(problems)
        problems.extend(_problem(line, *warning, VALUE_KEPT) for warning in _warnings(fields))
        if self.states.get(uai) == State.CLOSED:
            problems.append(_problem(line, "uai", uai, "école ou établissement fermé au répertoire", VALUE_KEPT))
        return (uai, rentree, line, *(fields[column.name] for column in DATA_COLUMNS)), _in_column_order(problems)

    def read(self, raw, column):
        """(value, None) or (None, Rejected) of a raw value of a column, remembered: an inventory repeats the same
        few values."""
        try:
            found = (read_value({column.name: raw}, column), None)
        except Rejected as error:
            found = (None, error)
        self.values[column.name, raw] = found
        return found

    def shifted_columns(self):
        """The declarative columns most of whose values could not be read (at least SHIFTED_MIN_VALUES of them)."""
        return [
            name
            for name, count in self.unreadable.items()
            if count >= SHIFTED_MIN_VALUES and 2 * count > self.filled[name]
        ]

    def _uai(self, row):
        uai = parse(row, "uai", values.uai)
        if uai not in self.states:
            raise NotDeclarable("unknown", "uai", uai, "UAI inconnue du répertoire des écoles et établissements")
        if uai not in self.writable:
            if not self.can_write:
                reason = "votre compte est en lecture seule : il ne peut rien déclarer"
                raise NotDeclarable("scope", "uai", uai, reason)
            raise NotDeclarable("scope", "uai", uai, f"hors de votre périmètre : vous pouvez déclarer {self.scope}")
        return uai

    def _rentree(self, row):
        rentree = parse(row, "rentree", values.rentree)
        if not FIRST_RENTREE <= rentree <= self.last_rentree:
            raise Rejected(
                "rentree", row["rentree"], f"rentrée hors bornes (de {FIRST_RENTREE} à {self.last_rentree})"
            )
        return rentree


class TooLong(Exception):
    """A value of a declarative column longer than settings.INVENTORY_LIMITS["cell_chars"]."""

    def __init__(self, column, value):
        super().__init__(column.name)
        self.column, self.value = column, value


class NotDeclarable(Rejected):
    """A row whose identity is rejected, with the cause counted for the whole file (a key of CAUSES)."""

    def __init__(self, cause, column, value, reason):
        super().__init__(column, value, reason)
        self.cause = cause


COLUMN_ORDER = {column.header: index for index, column in enumerate(COLUMNS)}


def _in_column_order(problems):
    """A row's problems in the order of the template's columns (problems of the whole row first)."""
    return sorted(problems, key=lambda problem: COLUMN_ORDER.get(problem["column"], -1)) if problems else problems


def empty(column):
    """The value of an unknown field: None, or "" for text fields."""
    return "" if column.kind in ("technology", "text") else None


def read_value(row, column):
    """The value of a data column (None when empty), or Rejected."""
    raw = row.get(column.name, "")
    if not raw.strip():
        return empty(column)
    if column.kind in ("count", "classes"):
        value = parse(row, column.name, values.count)
    elif column.kind == "speed":
        value = parse(row, column.name, values.number)
        if value < 0:
            raise Rejected(column.name, raw, "débit négatif")
    elif column.kind == "flag":
        word = fold(raw)
        if word not in YES | NO:
            raise Rejected(column.name, raw, "« oui » ou « non » attendu")
        return word in YES
    elif column.kind == "technology":
        value = TECHNOLOGY_WORDS.get(fold(raw))
        if value is None:
            allowed = ", ".join(f"« {value} »" for value in Technology.values)
            raise Rejected(column.name, raw, f"technologie inconnue (valeurs possibles : {allowed})")
        return value
    else:
        return raw.strip()[:100]
    if column.maximum is not None and value > column.maximum:
        raise Rejected(column.name, raw, f"valeur improbable (au plus {column.maximum:g})")
    return value


def _inconsistencies(fields):
    """Values that contradict the others: (column, value, reason); the field is then left empty."""
    classes = fields["classes"]
    for column in DATA_COLUMNS:
        value = fields[column.name]
        if column.kind == "classes" and value is not None and classes is not None and value > classes:
            yield column.name, value, f"incohérent : {value} classes équipées pour {classes} classes déclarées"
    if fields["technology"] == Technology.AUCUNE and (fields["download_mbps"] or fields["upload_mbps"]):
        yield "technology", fields["technology"], "incohérent : aucune connexion mais un débit mesuré"


def _warnings(fields):
    """Unusual values worth a second look: (column, value, reason)."""
    pupils, classes = fields["pupils"], fields["classes"]
    if pupils is not None and classes and pupils / classes > MAX_PUPILS_PER_CLASS:
        yield "pupils", pupils, f"plus de {MAX_PUPILS_PER_CLASS} élèves par classe en moyenne : à vérifier"
    if pupils is not None and classes == 0 and pupils:
        yield "classes", 0, "des élèves mais aucune classe : à vérifier"
    down, up = fields["download_mbps"], fields["upload_mbps"]
    if down is not None and up is not None and up > down and fields["technology"] != Technology.FIBRE:
        yield "upload_mbps", up, "débit montant supérieur au débit descendant : à vérifier"
