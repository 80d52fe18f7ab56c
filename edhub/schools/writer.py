"""Bulk upsert of schools and their yearly figures, counting what was created, changed or left as it was."""

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
# Sources whose description of a school is authoritative; the others only create schools nobody described yet.
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
        if current is not None and not self.authoritative and current["run__source"] in AUTHORITATIVE_SOURCES:
            return
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
        if not self.figures:
            return 0, 0, 0
        variables = {v for _, v, _ in self.figures}
        years = {y for _, _, y in self.figures}
        existing = {
            (school_id, variable, rentree): (value, status)
            for school_id, variable, rentree, value, status in SchoolFigure.objects.filter(
                variable__in=variables, rentree__in=years
            ).values_list("school_id", "variable", "rentree", "value", "status")
        }
        created = updated = unchanged = 0
        to_write = []
        for (uai, variable, rentree), (value, status) in self.figures.items():
            before = existing.get((uai, variable, rentree))
            if before == (value, status):
                unchanged += 1
                continue
            created += before is None
            updated += before is not None
            to_write.append(
                SchoolFigure(
                    school_id=uai, variable=variable, rentree=rentree, value=value, status=status, run=self.run
                )
            )
        if to_write:
            SchoolFigure.objects.bulk_create(
                to_write,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["school", "variable", "rentree"],
                update_fields=["value", "status", "run"],
            )
        return created, updated, unchanged
