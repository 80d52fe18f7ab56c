"""What every open-data source declares, and the row loop they share.

Only the fields that say which school or commune a row is about (UAI, commune, kind, the rentrée or date of a
figure) can reject a row. A bad value in any other column leaves that field empty and is reported as a warning
(line, column, value): a secondary column never costs a school.
"""

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.territories.resolver import unknown_commune_reason

WIDTH_REASON = "nombre de colonnes incorrect (séparateur ou guillemets dans une valeur ?)"


class Source:
    slug: str
    title: str
    producer: str
    licence = "Licence Ouverte / Etalab 2.0"
    dataset_url: str  # the dataset's page
    download_url: str  # the file `edhub fetch` downloads
    file_name: str  # name of the file in the cache
    file_patterns: tuple[str, ...]  # names of matching files in a folder given with `fetch --from`
    schema: Schema

    def __str__(self):
        return self.title

    def load(self, table, context):
        raise NotImplementedError

    def rows(self, table, context):
        """The data rows, counted and checked for their width; a row with a wrong number of cells is rejected."""
        for line, row in table.rows:
            context.run.rows_read += 1
            context.tick()
            if not row.pop("_width"):
                context.reject(line, "", "", WIDTH_REASON)
                continue
            yield line, row

    def column(self, name, context=None):
        """The header of a canonical column as the file spells it (else its official spelling), for reports."""
        return (context and context.headers.get(name)) or self.schema.columns[name][0]

    def reject(self, context, line, rejected):
        context.reject(line, self.column(rejected.column, context), rejected.value, rejected.reason)

    def warn(self, context, line, warnings):
        """Report the values a kept row had to leave empty (or repair): [(canonical column, value, reason)]."""
        if warnings:
            context.warn(line, [(self.column(name, context), value, reason) for name, value, reason in warnings])


class Rejected(Exception):
    """A row is rejected: column (canonical name), value, reason."""

    def __init__(self, column, value, reason):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def parse(row, name, parser, **kwargs):
    """Parse an identity field: its ValueError becomes a Rejected naming the column."""
    raw = row.get(name, "")
    try:
        return parser(raw, **kwargs)
    except ValueError as error:
        raise Rejected(name, raw, str(error)) from None


def lenient(row, name, parser, warnings, **kwargs):
    """Parse any other field: a bad value is noted in `warnings` and read as None (the field stays empty)."""
    raw = row.get(name, "")
    try:
        return parser(raw, **kwargs)
    except ValueError as error:
        warnings.append((name, raw, f"{error} ; champ laissé vide"))
        return None


def uai_of(row, warnings, name="uai"):
    """The row's UAI, its leading zero restored (with a warning) when a spreadsheet dropped it, or Rejected."""
    raw = row.get(name, "")
    try:
        return values.uai(raw)
    except ValueError as error:
        repaired = values.uai_without_zero(raw)
        if repaired is None:
            raise Rejected(name, raw, str(error)) from None
        warnings.append((name, raw, f"zéro initial rétabli : {repaired} (code abîmé par un tableur ?)"))
        return repaired


def commune_of(row, communes, warnings, name="commune"):
    """The row's INSEE code and the id of today's commune it designates (former codes included), or Rejected."""
    code = parse(row, name, values.commune_code)
    if code != row[name].strip().upper():
        warnings.append((name, row[name], f"zéro initial rétabli : {code} (code abîmé par un tableur ?)"))
    territory_id = communes.resolve(code)
    if territory_id is None:
        raise Rejected(name, code, unknown_commune_reason(code))
    return code, territory_id


class FirstLines(dict):
    """The line where each key (UAI, commune…) was first met: a later row with the same key is rejected."""

    def claim(self, key, line, column, what):
        if key in self:
            value = key if isinstance(key, str) else key[0]
            raise Rejected(column, value, f"{what} en double : déjà vu ligne {self[key]}, ligne ignorée")
        self[key] = line
