"""Bulk upsert of schools and their yearly figures, counting what was created, changed or left as it was."""

import operator

from edhub.schools.models import School, SchoolFigure
from edhub.utils.bulk import upsert_figures, write_rows
from edhub.utils.text import fold

IDENTITY_FIELDS = (
    "name",
    "kind",
    "nature_code",
    "nature_label",
    "sector",
    "private_contract",
    "state",
    "commune_id",
    "commune_code",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "location_precision",
    "priority_education",
    "rpi_concentrated",
    "rpi_dispersed",
    "email",
    "phone",
    "website",
    "opened_on",
)
# Sources whose description of a school is authoritative; the others only fill what nobody described yet.
AUTHORITATIVE_SOURCES = ("annuaire", "geoloc")
# What a school nobody described yet holds in the fields a file does not give.
NEW_SCHOOL = {name: School._meta.get_field(name).get_default() for name in IDENTITY_FIELDS}
identity = operator.itemgetter(*IDENTITY_FIELDS)  # a school's identity fields, in that order
POSITION = {name: i for i, name in enumerate(IDENTITY_FIELDS)}  # a field's place in a stored school's tuple
EMPTY = ("", None)
LOOKUP_BATCH = 2000  # schools looked up by one query (uai IN …), within every database's limit of parameters
LOOKUP_MAX = 6000  # a file describing more schools reads every stored school instead


def non_empty(fields):
    return {k: v for k, v in fields.items() if v not in EMPTY}


class SchoolWriter:
    """What a file says of schools, written at its end (`save`). A school already known keeps what it has when the
    file's source is not authoritative: the file only fills its empty fields."""

    def __init__(self, context):
        self.context = context
        self.run = context.run
        self.authoritative = self.run.source in AUTHORITATIVE_SOURCES
        self.descriptions = {}  # uai -> the fields this file gives, the last given of each
        # uai -> the fields this file gives non-empty, the last non-empty of each: what a non-authoritative file
        # fills in a known school (whether it is known is read at the end, for the file's schools only); kept for
        # the schools described more than once (else: the non-empty ones of their description)
        self.filled = {}
        self.figures = {}  # (uai, variable, rentrée) -> (value, status)

    def describe(self, uai, **fields):
        """Record what this file says of a school (only known fields are given)."""
        described = self.descriptions.get(uai)
        if described is None:
            self.descriptions[uai] = fields
            return
        if not self.authoritative:
            filled = self.filled.get(uai)
            if filled is None:
                filled = self.filled[uai] = non_empty(described)
            filled.update(non_empty(fields))
        described.update(fields)

    def figure(self, uai, variable, rentree, value, status=""):
        self.figures[(uai, variable, rentree)] = (value, status)

    def save(self):
        existing = stored_schools(self.descriptions)
        unchanged = 0
        new, changed = [], []
        run = self.run.pk
        for uai, fields in self.descriptions.items():
            current = existing.get(uai)
            if current is None:
                merged = NEW_SCHOOL | fields
                new.append((uai, run, fold(merged["name"]), *identity(merged)))
                continue
            if not self.authoritative:
                filled = self.filled[uai] if uai in self.filled else non_empty(fields)
                fields = {k: v for k, v in filled.items() if current[POSITION[k]] in EMPTY}
            if all(current[POSITION[name]] == value for name, value in fields.items()):
                unchanged += 1
                continue
            merged = dict(zip(IDENTITY_FIELDS, current, strict=True)) | fields
            changed.append((uai, run, fold(merged["name"]), *identity(merged)))
        write_rows(School, ["uai", "run", "search_name", *IDENTITY_FIELDS], ["uai"], new, changed, in_key_order=True)
        c, u, n = upsert_figures(SchoolFigure, "school", "rentree", ("value", "status"), self.figures, self.run)
        self.run.rows_created += len(new) + c
        self.run.rows_updated += len(changed) + u
        self.run.rows_unchanged += unchanged + n


def stored_schools(uais):
    """uai -> the identity fields (a tuple, in the order of IDENTITY_FIELDS) of these schools already stored."""
    if len(uais) > LOOKUP_MAX:  # thousands of schools: those stored first (often none: a first import)
        uais = set(uais) & set(School.objects.values_list("uai", flat=True))
        if len(uais) > LOOKUP_MAX:  # reading them all costs less than naming them
            rows = School.objects.values_list("uai", *IDENTITY_FIELDS)
            return {row[0]: row[1:] for row in rows if row[0] in uais}
    found = {}
    uais = sorted(uais)
    for start in range(0, len(uais), LOOKUP_BATCH):
        rows = School.objects.filter(uai__in=uais[start : start + LOOKUP_BATCH])
        found.update((row[0], row[1:]) for row in rows.values_list("uai", *IDENTITY_FIELDS))
    return found
