"""Schemas and helpers shared by the routers of the API v1."""

import re
from datetime import datetime

from ninja import Field, Schema
from pydantic import BaseModel, field_validator

from edhub.opendata.provenance import describe_run
from edhub.territories.models import Level

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Past every row of the largest list (about 70,000 schools) even one per page, and an offset every database takes.
MAX_PAGE = 1_000_000

# A territory named in a query parameter, "niveau:code": the codes are letters and digits (2A004, 200054781, FR).
TERRITORY_REFERENCE = rf"^({'|'.join(Level.values)}):[0-9A-Za-z]{{1,12}}$"
TERRITORY_REFERENCE_RE = re.compile(TERRITORY_REFERENCE)


def territory_reference(description, default=None):
    """A query parameter naming a territory, its pattern stated in the OpenAPI document (checked by
    territories.resolve_reference, which says in French what is expected)."""
    return Field(default, description=description, json_schema_extra={"pattern": TERRITORY_REFERENCE})


class Out(BaseModel):
    """Base of the response schemas: views return plain dicts, validated without ninja's ORM getter."""


class Error(Out):
    detail: str


class ValidationErrors(Out):
    detail: list[dict]


ERRORS = {400: ValidationErrors | Error, 404: Error}


class TerritoryRef(Out):
    level: str
    code: str
    name: str


class Provenance(Out):
    source: str
    title: str
    vintage: str
    imported_at: datetime | None
    checksum: str


class Pagination(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Numéro de page, de 1 à {MAX_PAGE}.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Éléments par page (au plus {MAX_PAGE_SIZE})."
    )

    @field_validator("*", mode="after")
    @classmethod
    def no_null_character(cls, value):
        """PostgreSQL refuses NUL in strings: such a parameter is the client's error, not a crash."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("caractère nul interdit")
        return value

    def apply(self, queryset):
        """(count, items of the requested page); a page past the end is empty."""
        start = (self.page - 1) * self.page_size
        return queryset.count(), list(queryset[start : start + self.page_size])


def territory_ref(territory):
    if territory is None:
        return None
    return {"level": territory.level, "code": territory.code, "name": territory.name}


def provenance(run):
    described = describe_run(run)
    if described is None:
        return None
    return {key: described[key] for key in ("source", "title", "vintage", "imported_at", "checksum")}
