"""Reading official tables (CSV, JSON export, XLSX) whatever their traps.

A source describes its columns as a schema: canonical name -> accepted header spellings (compared in their
`column_key` form, so 'Code postal', 'Code_postal' and 'code_postal' are one). The reader finds the header line
(after title or disclaimer lines), the separator, the encoding, and yields rows as {canonical: text} with the
physical line number, or refuses the whole file with a message that names the expected format.
"""

import csv
import io
import json
import operator
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from edhub.utils.text import column_key

SEPARATORS = (";", ",", "\t")
HEADER_SEARCH_LINES = 20
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The longest value a cell of a table may hold (an address, a name: a few hundred characters): a longer one is an
# unclosed quote swallowing the lines after it. Set on the csv module, whose limit is global, at each reading.
MAX_FIELD = 100_000
# What a damaged workbook raises while read: its zip, its compressed data, its XML (ParseError is a SyntaxError).
XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, SyntaxError)


class RefusedFile(Exception):
    """The file as a whole is not the expected dataset: nothing is imported."""


@dataclass
class Schema:
    title: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # Header spellings that only another dataset has (a file with one of them is that dataset, not this one).
    excluded: tuple[str, ...] = ()
    keys: dict[str, frozenset[str]] = field(init=False)

    def __post_init__(self):
        self.keys = {name: frozenset(column_key(a) for a in aliases) for name, aliases in self.columns.items()}
        self.excluded_keys = frozenset(column_key(a) for a in self.excluded)

    def match(self, header_cells):
        """Map canonical names to column positions, or None when a required column is missing."""
        positions = {column_key(cell): i for i, cell in reversed(list(enumerate(header_cells)))}
        if self.excluded_keys & positions.keys():
            return None
        mapping = {}
        for name, keys in self.keys.items():
            found = next((positions[k] for k in keys if k in positions), None)
            if found is not None:
                mapping[name] = found
        if all(name in mapping for name in self.required):
            return mapping
        return None

    def missing(self, header_cells):
        present = {column_key(cell) for cell in header_cells}
        return [self.columns[name][0] for name in self.required if not (self.keys[name] & present)]


@dataclass
class Table:
    header: list[str]
    header_line: int
    mapping: dict[str, int]
    rows: object  # iterator of (line_number, {canonical: value})
    separator: str = ";"
    preamble: tuple[str, ...] = ()  # title lines above the header (they may say the file's date)


def open_table(path: Path, schema: Schema) -> Table:
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise RefusedFile(f"Le fichier « {path.name} » est vide. {_expected(schema)}")
    if data[:4] == b"PK\x03\x04":
        return _xlsx_table(path, schema)
    if b"\x00" in data[:8192] and not data.startswith(UTF16_BOMS):
        raise RefusedFile(
            f"Le fichier « {path.name} » n'est pas un fichier texte (contenu binaire). {_expected(schema)}"
        )
    text = decode(data)
    if "\x00" in text:  # past the first bytes: no database stores it in a text
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise RefusedFile(
            f"Le fichier « {path.name} » est refusé en entier : sa ligne {line} contient un caractère nul (contenu "
            f"binaire dans un fichier texte, fichier abîmé ?). Reprenez le fichier officiel. {_expected(schema)}"
        )
    if text.lstrip()[:1] in ("[", "{"):
        return _json_table(text, path, schema)
    return _csv_table(text, path, schema)


def decode(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        # Excel's « Texte Unicode » export: UTF-16 with its byte order mark.
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Files re-saved by Excel (French Windows) are Windows-1252.
        return data.decode("cp1252", errors="replace")


def _expected(schema: Schema) -> str:
    names = ", ".join(f"« {schema.columns[n][0]} »" for n in schema.required)
    return f"Format attendu pour « {schema.title} » : un tableau avec au moins les colonnes {names}."


def _csv_table(text: str, path: Path, schema: Schema) -> Table:
    csv.field_size_limit(MAX_FIELD)
    lines = text.splitlines()[:HEADER_SEARCH_LINES]
    best_missing = None
    for index, line in enumerate(lines):
        for separator in SEPARATORS:
            if separator not in line:
                continue
            try:
                cells = next(csv.reader([line], delimiter=separator))
            except csv.Error as error:
                raise unreadable_line(path, index + 1, error) from None
            mapping = schema.match(cells)
            if mapping is not None:
                rows = _csv_rows(text, path, index, separator, mapping, len(cells))
                return Table(cells, index + 1, mapping, rows, separator, tuple(lines[:index]))
            missing = schema.missing(cells)
            if best_missing is None or len(missing) < len(best_missing):
                best_missing = missing
    detail = ""
    if best_missing and len(best_missing) < len(schema.required):
        detail = " Colonnes manquantes : " + ", ".join(f"« {m} »" for m in best_missing) + "."
    raise RefusedFile(
        f"Le fichier « {path.name} » n'a pas l'en-tête attendu (séparateur « ; », « , » ou tabulation).{detail} "
        f"{_expected(schema)}"
    )


def unreadable_line(path, line, error):
    """A csv.Error as the refusal of the whole file, naming the line."""
    if "field larger than field limit" in str(error):
        limit = f"{MAX_FIELD:,}".replace(",", "\u202f")
        cause = (
            f"une valeur dépasse {limit} caractères (guillemet ouvrant sans guillemet fermant ?). Corrigez cette "
            "ligne ou reprenez le fichier officiel."
        )
    else:
        cause = "elle n'est pas une ligne CSV valable (guillemets ou caractère nul ?). Corrigez cette ligne."
    return RefusedFile(f"Le fichier « {path.name} » est refusé en entier : ligne {line} illisible, {cause}")


def _csv_rows(text, path, header_index, separator, mapping, width):
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=separator)
    for _ in range(header_index + 1):
        next(reader)
    previous_end = reader.line_num
    names, positions = tuple(mapping), tuple(mapping.values())
    pick = operator.itemgetter(*positions) if len(positions) > 1 else lambda cells: (cells[positions[0]],)
    last = max(positions)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise unreadable_line(path, previous_end + 1, error) from None
        line = previous_end + 1
        previous_end = reader.line_num
        if not "".join(cells).strip():
            continue
        if len(cells) > last:
            row = dict(zip(names, map(str.strip, pick(cells)), strict=True))
        else:  # a short row: its missing cells are empty
            row = {name: (cells[i].strip() if i < len(cells) else "") for name, i in mapping.items()}
        row["_width"] = len(cells) == width or len(cells) == width + 1 and not cells[-1].strip()
        yield line, row


def _json_table(text, path, schema):
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise RefusedFile(f"Le fichier « {path.name} » n'est pas un JSON valide (ligne {error.lineno}).") from error
    except RecursionError:
        raise RefusedFile(
            f"Le fichier JSON « {path.name} » est imbriqué trop profondément pour être lu : ce n'est pas un export "
            f"de données. {_expected(schema)}"
        ) from None
    if isinstance(records, dict):
        records = records.get("results") or records.get("records") or []
    if not isinstance(records, list):
        raise RefusedFile(
            f"Le fichier JSON « {path.name} » n'a pas de liste d'enregistrements (« results » ou « records » "
            f"doit être une liste d'objets). {_expected(schema)}"
        )
    if not records:
        raise RefusedFile(f"Le fichier « {path.name} » ne contient aucun enregistrement. {_expected(schema)}")
    wrong = next((number for number, record in enumerate(records, start=1) if not isinstance(record, dict)), None)
    if wrong is not None:
        raise RefusedFile(
            f"Le fichier JSON « {path.name} » est refusé en entier : son enregistrement n° {wrong} n'est pas un objet "
            f"(champ : valeur). {_expected(schema)}"
        )
    header = list(records[0].keys())
    mapping = schema.match(header)
    if mapping is None:
        missing = ", ".join(f"« {m} »" for m in schema.missing(header))
        raise RefusedFile(
            f"Le fichier JSON « {path.name} » n'a pas les champs attendus ({missing}). {_expected(schema)}"
        )
    return Table(header, 0, mapping, _json_rows(records, header, mapping), "json")


def _json_rows(records, header, mapping):
    for number, record in enumerate(records, start=1):
        row = {}
        for name, i in mapping.items():
            value = record.get(header[i])
            if isinstance(value, dict) and {"lat", "lon"} <= value.keys():
                value = f"{value['lat']}, {value['lon']}"
            row[name] = "" if value is None else str(value).strip()
        row["_width"] = True
        yield number, row


def _xlsx_table(path, schema):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except XLSX_ERRORS as error:
        raise RefusedFile(f"Le fichier « {path.name} » n'est ni un CSV ni un classeur XLSX lisible.") from error
    for sheet in book.worksheets:
        rows = _sheet_rows(path, sheet)
        preamble = []
        for index, cells in rows:
            if index >= HEADER_SEARCH_LINES:
                break
            cells = ["" if c is None else str(c) for c in cells]
            mapping = schema.match(cells)
            if mapping is not None:
                return Table(cells, index + 1, mapping, _xlsx_rows(rows, mapping), "xlsx", tuple(preamble))
            preamble.append(" ".join(cells))
    raise RefusedFile(f"Aucune feuille du classeur « {path.name} » n'a l'en-tête attendu. {_expected(schema)}")


def _sheet_rows(path, sheet):
    """(index, cells) of a sheet's rows; a truncated or damaged sheet refuses the file, naming where it breaks."""
    rows = enumerate(sheet.iter_rows(values_only=True))
    read = 0  # lines read whole
    while True:
        try:
            index, cells = next(rows)
        except StopIteration:
            return
        except XLSX_ERRORS:
            raise RefusedFile(
                f"Le classeur « {path.name} » est refusé en entier : sa feuille « {sheet.title} » est tronquée ou "
                f"abîmée après la ligne {read}. Réenregistrez-le depuis le tableur ou reprenez le fichier officiel."
            ) from None
        read = index + 1
        yield index, cells


def _xlsx_rows(rows, mapping):
    for index, cells in rows:
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        row = {}
        for name, i in mapping.items():
            value = cells[i] if i < len(cells) else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            row[name] = "" if value is None else str(value).strip()
        row["_width"] = True
        yield index + 1, row
