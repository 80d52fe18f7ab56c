"""Bulk upsert of schools and their yearly figures, counting what was created, changed or left as it was."""

import operator

from edhub.opendata.figures import upsert_figures, write_rows
from edhub.schools.models import School, SchoolFigure
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


class SchoolWriter:
    def __init__(self, context):
        self.context = context
        self.run = context.run
        self.authoritative = self.run.source in AUTHORITATIVE_SOURCES
        self.existing = {
            row["uai"]: row for row in School.objects.values("uai", "run__source", "search_name", *IDENTITY_FIELDS)
        }
        self.descriptions = {}
        self.figures = {}

    def describe(self, uai, **fields):
        """Record what this file says of a school (only known fields are given)."""
        current = self.existing.get(uai)
        if current is not None and not self.authoritative:
            fields = {k: v for k, v in fields.items() if current[k] in ("", None) and v not in ("", None)}
        self.descriptions.setdefault(uai, {}).update(fields)

    def figure(self, uai, variable, rentree, value, status=""):
        self.figures[(uai, variable, rentree)] = (value, status)

    def save(self):
        unchanged = 0
        new, changed = [], []
        for uai, fields in self.descriptions.items():
            current = self.existing.get(uai)
            if current is None:
                merged = NEW_SCHOOL | fields
            else:
                merged = {name: current[name] for name in IDENTITY_FIELDS} | fields
                if all(merged[name] == current[name] for name in fields):
                    unchanged += 1
                    continue
            row = (uai, self.run.pk, fold(merged["name"]), *identity(merged))
            (new if current is None else changed).append(row)
        write_rows(School, ["uai", "run", "search_name", *IDENTITY_FIELDS], ["uai"], new, changed)
        c, u, n = self._save_figures()
        self.run.rows_created += len(new) + c
        self.run.rows_updated += len(changed) + u
        self.run.rows_unchanged += unchanged + n

    def _save_figures(self):
        figures = {key: {"value": value, "status": status} for key, (value, status) in self.figures.items()}
        return upsert_figures(SchoolFigure, "school", "rentree", figures, self.run)
