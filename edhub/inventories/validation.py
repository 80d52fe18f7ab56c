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

import datetime
import logging
import zipfile
from collections import Counter

from django.db import transaction

from edhub.accounts.scope import habilitation_of, scope_label, writable_schools
from edhub.inventories.columns import COLUMNS, COLUMNS_BY_NAME, DATA_COLUMNS
from edhub.inventories.files import mismatch
from edhub.inventories.models import Declaration, Technology, Upload
from edhub.opendata import values
from edhub.opendata.reader import RefusedFile, Schema, open_table
from edhub.opendata.sources.base import FirstLines, Rejected, parse
from edhub.schools.models import School, State
from edhub.utils.text import fold

logger = logging.getLogger(__name__)
SCHEMA = Schema(
    title="Inventaire du numérique des écoles et établissements (modèle edhub)",
    columns={column.name: (column.header, column.name) for column in COLUMNS},
    required=("uai", "rentree"),
)
PROGRESS_EVERY = 250  # rows between two progress updates
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
    today = today or datetime.date.today()
    return today.year if today.month >= 9 else today.year - 1


def validate(upload):
    """Read the upload's file, check every row, store its declarations (not yet published) or refuse it whole.
    Whatever happens, the upload does not stay « Analyse en cours »: an internal error refuses it and is logged."""
    try:
        return _validate(upload)
    except Exception:
        logger.exception("Analysis of inventory upload %s failed", upload.pk)
        message = (
            "L'analyse du fichier a échoué sur une erreur interne d'edhub, signalée à ses administrateurs. Déposez-le "
            "à nouveau plus tard ; si l'erreur persiste, joignez le fichier à votre demande d'assistance."
        )
        upload = Upload.objects.get(pk=upload.pk)
        _finish(upload, Upload.Status.REFUSED, message=message)
        return upload


def _validate(upload):
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.VALIDATING, progress=0)
    checker = RowChecker(habilitation_of(upload.author))
    try:
        with upload.file.open("rb") as file:
            wrong_content = mismatch(upload.file_name, file)
        if wrong_content:
            raise RefusedFile(wrong_content)
        table = open_table(upload.file.path, SCHEMA)
        declarations, problems, counts = _read(upload, table, checker)
    except RefusedFile as error:
        _finish(upload, Upload.Status.REFUSED, message=str(error))
        return upload
    upload.rows_read = sum(counts.values())
    upload.rows_valid, upload.rows_blank, upload.rows_rejected = counts[DECLARED], counts[BLANK], counts[REJECTED]
    upload.problems = problems
    refusal = _refusal(upload, checker)
    if refusal:
        _finish(upload, Upload.Status.REFUSED, message=refusal)
        return upload
    with transaction.atomic():
        Declaration.objects.bulk_create(declarations, batch_size=1000)
        _finish(upload, Upload.Status.VALIDATED, message=_columns_note(table))
    return upload


def _read(upload, table, checker):
    """([Declaration], [problem], Counter of DECLARED, BLANK and REJECTED rows) of a table."""
    total = max(_line_count(upload.file.path) - table.header_line, 1)
    declarations, problems, counts = [], [], Counter()
    for line, row in table.rows:
        declaration, found = checker.check(line, row)
        problems.extend(found)
        if declaration is not None:
            declaration.upload = upload
            declarations.append(declaration)
            counts[DECLARED] += 1
        else:
            counts[REJECTED if found else BLANK] += 1
        read = sum(counts.values())
        if read % PROGRESS_EVERY == 0:
            Upload.objects.filter(pk=upload.pk).update(progress=min(99, 100 * read // total), rows_read=read)
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

    def __init__(self, habilitation):
        self.states = dict(School.objects.values_list("uai", "state"))
        self.writable = set(writable_schools(habilitation).values_list("uai", flat=True))
        self.scope = scope_label(habilitation)
        self.can_write = habilitation is not None and habilitation.can_write
        self.last_rentree = current_rentree() + 1
        self.seen = FirstLines()
        self.causes = Counter()  # rejected rows by cause (a key of CAUSES)
        self.filled = Counter()  # declarative columns: non-empty values
        self.unreadable = Counter()  # declarative columns: values that could not be read

    def check(self, line, row):
        """(Declaration or None, [problems]) of one row: no declaration and no problem for a row left blank."""
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
            try:
                fields[column.name] = read_value(row, column)
            except Rejected as error:
                fields[column.name] = empty(column)
                problems.append(_problem(line, error.column, error.value, error.reason, VALUE_IGNORED))
                self.unreadable[column.name] += 1
            if row.get(column.name, "").strip():
                self.filled[column.name] += 1
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
        return Declaration(school_id=uai, rentree=rentree, line=line, **fields), _in_column_order(problems)

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


class NotDeclarable(Rejected):
    """A row whose identity is rejected, with the cause counted for the whole file (a key of CAUSES)."""

    def __init__(self, cause, column, value, reason):
        super().__init__(column, value, reason)
        self.cause = cause


def _in_column_order(problems):
    """A row's problems in the order of the template's columns (problems of the whole row first)."""
    order = {column.header: index for index, column in enumerate(COLUMNS)}
    return sorted(problems, key=lambda problem: order.get(problem["column"], -1))


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
