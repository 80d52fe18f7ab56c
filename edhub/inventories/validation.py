"""Reading and checking an uploaded inventory: every problem is reported with its line and column.

A row with a blocking problem (unknown UAI, school outside the uploader's scope, value out of range or inconsistent,
duplicate) is rejected whole and listed; warnings (unusual but possible values) keep the row. A file that is not
an inventory at all (empty, binary, another table) is refused whole. Nothing is published before the agent has
seen the preview and confirmed it.
"""

import datetime
import zipfile

from django.db import transaction

from edhub.accounts.scope import habilitation_of, scope_label, writable_schools
from edhub.inventories.columns import COLUMNS, COLUMNS_BY_NAME, DATA_COLUMNS
from edhub.inventories.models import Declaration, Technology, Upload
from edhub.opendata import values
from edhub.opendata.reader import RefusedFile, Schema, open_table
from edhub.opendata.sources.base import FirstLines, Rejected, parse
from edhub.schools.models import School, State
from edhub.utils.text import fold

SCHEMA = Schema(
    title="Inventaire du numérique des écoles et établissements (modèle edhub)",
    columns={column.name: (column.header, column.name) for column in COLUMNS},
    required=("uai", "rentree"),
)
PROGRESS_EVERY = 250  # rows between two progress updates
FIRST_RENTREE = 2000
MAX_PUPILS_PER_CLASS = 35  # above: a warning
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


def current_rentree(today=None):
    """The rentrée of the school year under way (September starts a new one)."""
    today = today or datetime.date.today()
    return today.year if today.month >= 9 else today.year - 1


def validate(upload):
    """Read the upload's file, check every row, store the valid ones as its declarations (not yet published)."""
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.VALIDATING, progress=0)
    habilitation = habilitation_of(upload.author)
    try:
        table = open_table(upload.file.path, SCHEMA)
    except RefusedFile as error:
        _finish(upload, Upload.Status.REFUSED, message=str(error))
        return upload
    checker = RowChecker(habilitation)
    total = max(_line_count(upload.file.path) - table.header_line, 1)
    declarations, problems, read, rejected = [], [], 0, 0
    for line, row in table.rows:
        read += 1
        if not row.pop("_width"):
            found = [_problem(line, None, "", "nombre de colonnes incorrect (séparateur ou guillemets ?)")]
            declaration = None
        else:
            declaration, found = checker.check(line, row)
        problems.extend(found)
        if declaration is None:
            rejected += 1
        else:
            declaration.upload = upload
            declarations.append(declaration)
        if read % PROGRESS_EVERY == 0:
            Upload.objects.filter(pk=upload.pk).update(progress=min(99, 100 * read // total), rows_read=read)
    if not read:
        _finish(upload, Upload.Status.REFUSED, message="Le fichier ne contient aucune ligne de données.")
        return upload
    with transaction.atomic():
        Declaration.objects.bulk_create(declarations, batch_size=1000)
        upload.rows_read, upload.rows_valid, upload.rows_rejected = read, len(declarations), rejected
        upload.problems = problems
        message = "" if declarations else "Aucune ligne valide : corrigez les lignes signalées et déposez à nouveau."
        _finish(upload, Upload.Status.VALIDATED, message=message)
    return upload


def _finish(upload, status, message=""):
    upload.status, upload.message, upload.progress = status, message, 100
    upload.save()


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


def _problem(line, column, value, reason, blocking=True):
    header = COLUMNS_BY_NAME[column].header if column in COLUMNS_BY_NAME else (column or "")
    return {"line": line, "column": header, "value": str(value)[:100], "reason": reason, "blocking": blocking}


class RowChecker:
    """Checks the rows of one upload against the registry and the uploader's scope."""

    def __init__(self, habilitation):
        self.states = dict(School.objects.values_list("uai", "state"))
        self.writable = set(writable_schools(habilitation).values_list("uai", flat=True))
        self.scope = scope_label(habilitation)
        self.can_write = habilitation is not None and habilitation.can_write
        self.last_rentree = current_rentree() + 1
        self.seen = FirstLines()

    def check(self, line, row):
        """(Declaration or None, [problems]) of one row."""
        problems = []

        def attempt(parser, *args):
            try:
                return parser(*args)
            except Rejected as error:
                problems.append(_problem(line, error.column, error.value, error.reason))
                return None

        uai = attempt(self._uai, row)
        rentree = attempt(self._rentree, row)
        fields = {}
        for column in DATA_COLUMNS:
            fields[column.name] = attempt(read_value, row, column)
        if not problems:
            attempt(_consistent, fields)
        if not problems and all(fields[column.name] in (None, "") for column in DATA_COLUMNS):
            problems.append(_problem(line, None, "", "aucune donnée déclarée pour cette école"))
        if not problems:  # a duplicate is reported against the line that was kept
            attempt(self.seen.claim, (uai, rentree), line, "uai", "école et rentrée")
        if any(problem["blocking"] for problem in problems):
            return None, problems
        problems.extend(_problem(line, *warning, blocking=False) for warning in _warnings(fields))
        if self.states.get(uai) == State.CLOSED:
            problems.append(_problem(line, "uai", uai, "école ou établissement fermé au répertoire", blocking=False))
        return Declaration(school_id=uai, rentree=rentree, line=line, **fields), problems

    def _uai(self, row):
        uai = parse(row, "uai", values.uai)
        if uai not in self.states:
            raise Rejected("uai", uai, "UAI inconnue du répertoire des écoles et établissements")
        if uai not in self.writable:
            if not self.can_write:
                raise Rejected("uai", uai, "votre compte est en lecture seule : il ne peut rien déclarer")
            raise Rejected("uai", uai, f"hors de votre périmètre : vous pouvez déclarer {self.scope}")
        return uai

    def _rentree(self, row):
        rentree = parse(row, "rentree", values.rentree)
        if not FIRST_RENTREE <= rentree <= self.last_rentree:
            raise Rejected(
                "rentree", row["rentree"], f"rentrée hors bornes (de {FIRST_RENTREE} à {self.last_rentree})"
            )
        return rentree


def read_value(row, column):
    """The value of a data column (None when empty), or Rejected."""
    raw = row.get(column.name, "")
    if not raw.strip():
        return "" if column.kind in ("technology", "text") else None
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


def _consistent(fields):
    """Values that contradict each other make the row invalid."""
    classes = fields["classes"]
    for column in DATA_COLUMNS:
        value = fields[column.name]
        if column.kind == "classes" and value is not None and classes is not None and value > classes:
            raise Rejected(
                column.name, value, f"incohérent : {value} classes équipées pour {classes} classes déclarées"
            )
    if fields["technology"] == Technology.AUCUNE and (fields["download_mbps"] or fields["upload_mbps"]):
        raise Rejected("technology", fields["technology"], "incohérent : aucune connexion mais un débit mesuré")


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
