"""What every open-data source declares, and the row loop they share."""

import datetime
from pathlib import Path

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.territories.resolver import unknown_commune_reason


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
                context.reject(
                    line, "", "", "nombre de colonnes incorrect (séparateur ou guillemets dans une valeur ?)"
                )
                continue
            yield line, row

    def column(self, name):
        """The official header of a canonical column, as shown in rejection reports."""
        return self.schema.columns[name][0]


class Rejected(Exception):
    """A row is rejected: column (canonical name), value, reason."""

    def __init__(self, column, value, reason):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def parse(row, name, parser, **kwargs):
    """Parse row[name] with a parser of `values`, turning its ValueError into a Rejected naming the column."""
    raw = row.get(name, "")
    try:
        return parser(raw, **kwargs)
    except ValueError as error:
        raise Rejected(name, raw, str(error)) from None


def commune_of(row, communes, name="commune"):
    """The row's INSEE code and the id of today's commune it designates (former codes included), or Rejected."""
    code = parse(row, name, values.commune_code)
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


def file_date(path):
    return datetime.date.fromtimestamp(Path(path).stat().st_mtime).isoformat()
