"""What every open-data source declares, and the row loop they share.

Only the fields that say which school or commune a row is about (UAI, commune, kind, the rentrée or date of a
figure) can reject a row. A bad value in any other column leaves that field empty and is reported as a warning
(line, column, value): a secondary column never costs a school.
"""

import functools

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.schools.classify import kind_of, sector_or_blank
from edhub.territories.models import Level, Territory, TerritoryAlias
from edhub.territories.resolver import unknown_commune_reason
from edhub.utils.bulk import read_pairs
from edhub.utils.text import fold

TICK_ROWS = 500  # the progress bar is moved every so many rows (once a row, it would cost more than some checks)
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
        run = context.run
        pending = 0  # rows read since the progress was last told
        for line, row in table.rows:
            run.rows_read += 1
            pending += 1
            if pending == TICK_ROWS:
                context.tick(pending)
                pending = 0
            if not row.pop("_width"):
                context.reject(line, "", "", WIDTH_REASON)
                continue
            yield line, row
        context.tick(pending)

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
    raw = row.get(name, "")
    found = communes.found.get(raw)  # a file names a commune on many rows: its code is read once
    if found is None:
        found = communes.found[raw] = _commune(raw, communes)
    code, territory_id, reason = found
    if territory_id is None:
        raise Rejected(name, code, reason)
    if reason:
        warnings.append((name, raw, reason))
    return code, territory_id


def _commune(raw, communes):
    """(code, territory id, warning) of a commune's cell, or (value, None, why it is rejected)."""
    try:
        code = values.commune_code(raw)
    except ValueError as error:
        return raw, None, str(error)
    territory_id = communes.resolve(code)
    if territory_id is None:
        return code, None, unknown_commune_reason(code)
    repaired = f"zéro initial rétabli : {code} (code abîmé par un tableur ?)" if code != raw.strip().upper() else ""
    return code, territory_id, repaired


class Communes:
    """Today's communes as an import finds them (see CommuneResolver): by INSEE code (current, arrondissement,
    délégué, associé or former), those of a département read when a row first gives one of its codes (all of them
    past a few départements); by name, a département's read when a row first names one of its communes. A file of
    one département does not read the whole country's."""

    def __init__(self):
        self.codes, self.aliases = {}, {}
        self.prefixes = set()  # the beginnings of the codes read (a département's: 94, 2A, 971), None: all read
        self.names = {}  # folded département name -> {folded commune name: id, None when ambiguous}
        self.found = {}  # a commune's cell as written -> (code, id, warning) or (value, None, reason)

    def resolve(self, code):
        if self.prefixes is not None:
            prefix = code[:3] if code.startswith("97") else code[:2]
            if prefix not in self.prefixes:
                self.read(prefix)
        return self.codes.get(code) or self.aliases.get(code)

    def read(self, prefix):
        """Read the codes that begin so, or all codes past a few départements."""
        self.prefixes.add(prefix)
        communes = Territory.objects.current().filter(level__in=[Level.COMMUNE, Level.ARRONDISSEMENT])
        aliases = TerritoryAlias.objects.all()
        if len(self.prefixes) > FEW_DEPARTEMENTS:
            self.prefixes = None
        else:  # codes are digits and capitals: those that begin so sort from the prefix to the next one
            following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            communes = communes.filter(code__gte=prefix, code__lt=following)
            aliases = aliases.filter(code__gte=prefix, code__lt=following)
        self.codes.update(read_pairs(communes.values_list("code", "id")))
        self.aliases.update(read_pairs(aliases.values_list("code", "territory_id")))

    def by_name(self, departement_name, commune_name):
        """The commune named so in the département named so, when exactly one matches."""
        departement = fold(departement_name)
        names = self.names.get(departement)
        if names is None:
            names = self.names[departement] = {}
            rows = (
                Territory.objects.current()
                .filter(level=Level.COMMUNE, departement__search_name=departement)
                .values_list("id", "search_name")
            )
            for pk, name in rows:
                names[name] = None if name in names else pk
            # Former communes (déléguées, associées) are still named in files: they lead to today's commune.
            aliases = TerritoryAlias.objects.exclude(name="").filter(territory__departement__search_name=departement)
            for pk, name in aliases.values_list("territory_id", "name"):
                names.setdefault(fold(name), pk)
        return names.get(fold(commune_name))


FEW_DEPARTEMENTS = 6  # communes read a département at a time (a file naming more: all read at once)
# A file names the same sectors, and many écoles alike, on many rows: each is read once.
sector_of_label = functools.lru_cache(maxsize=1024)(sector_or_blank)


@functools.lru_cache(maxsize=65_536)
def ecole_kind(name):
    """The kind of an école named so (maternelle, élémentaire or primaire)."""
    return kind_of(type_label="Ecole", name=name)


class FirstLines(dict):
    """The line where each key (UAI, commune…) was first met: a later row with the same key is rejected."""

    def claim(self, key, line, column, what):
        if key in self:
            value = key if isinstance(key, str) else key[0]
            raise Rejected(column, value, f"{what} en double : déjà vu ligne {self[key]}, ligne ignorée")
        self[key] = line
