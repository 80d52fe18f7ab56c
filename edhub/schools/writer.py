"""Bulk upsert of schools and their yearly figures, counting what was created, changed or left as it was."""

from edhub.opendata.figures import upsert_figures
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
        created = updated = unchanged = 0
        to_write = []
        for uai, fields in self.descriptions.items():
            current = self.existing.get(uai)
            if current is None:
                created += 1
                to_write.append(School(uai=uai, run=self.run, search_name=fold(fields.get("name", "")), **fields))
                continue
            merged = {name: current[name] for name in IDENTITY_FIELDS} | fields
            if all(merged[name] == current[name] for name in fields):
                unchanged += 1
                continue
            updated += 1
            to_write.append(School(uai=uai, run=self.run, search_name=fold(merged["name"]), **merged))
        if to_write:
            School.objects.bulk_create(
                to_write,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["uai"],
                update_fields=[*IDENTITY_FIELDS, "search_name", "run"],
            )
        c, u, n = self._save_figures()
        self.run.rows_created += created + c
        self.run.rows_updated += updated + u
        self.run.rows_unchanged += unchanged + n

    def _save_figures(self):
        figures = {key: {"value": value, "status": status} for key, (value, status) in self.figures.items()}
        return upsert_figures(SchoolFigure, "school", "rentree", figures, self.run)
