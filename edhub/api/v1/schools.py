import csv
from datetime import date
from typing import Literal

from django.http import StreamingHttpResponse
from ninja import Field, Query, Router
from ninja.errors import HttpError

from edhub.api.v1.schemas import (
    ERRORS,
    Out,
    Pagination,
    Provenance,
    TerritoryRef,
    provenance,
    territory_ref,
    territory_reference,
)
from edhub.api.v1.territories import resolve_reference
from edhub.schools.models import Kind, School, SchoolFigure, Sector, State
from edhub.utils.exports import csv_cell

router = Router(tags=["Écoles et établissements"])

CSV_COLUMNS = [
    ("uai", lambda s: s.uai),
    ("nom", lambda s: s.name),
    ("type", lambda s: s.get_kind_display()),
    ("nature", lambda s: s.nature_label),
    ("secteur", lambda s: s.get_sector_display()),
    ("etat", lambda s: s.get_state_display()),
    ("code_commune", lambda s: s.commune.code if s.commune else s.commune_code),
    ("commune", lambda s: s.commune.name if s.commune else ""),
    ("adresse", lambda s: s.address),
    ("code_postal", lambda s: s.postcode),
    ("latitude", lambda s: s.latitude),
    ("longitude", lambda s: s.longitude),
    ("precision_localisation", lambda s: s.location_precision),
    ("education_prioritaire", lambda s: s.priority_education),
    ("financeur", lambda s: s.funder_label),
]


class SchoolItem(Out):
    uai: str
    name: str
    kind: str
    nature: str
    sector: str
    state: str
    commune: TerritoryRef | None
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None
    priority_education: str


class SchoolPage(Out):
    items: list[SchoolItem]
    count: int
    page: int
    page_size: int


class Figure(Out):
    variable: str
    label: str
    rentree: int
    value: float | None
    status: str
    source: str
    vintage: str


class SchoolDetail(SchoolItem):
    nature_code: str
    private_contract: str
    funder: str
    location_precision: str
    rpi_concentrated: bool
    rpi_dispersed: bool
    email: str
    phone: str
    website: str
    opened_on: date | None
    provenance: Provenance
    figures: list[Figure]


class SchoolFilters(Pagination):
    territory: str | None = territory_reference(
        "Territoire englobant, sous la forme niveau:code (commune:94028, departement:94…)."
    )
    kind: list[Kind] | None = Field(None, description="Type ; répéter le paramètre pour en combiner plusieurs.")
    sector: Sector | None = Field(None, description="Secteur.")
    state: State | None = Field(None, description="État (ouvert, fermé…) ; par défaut tous.")
    q: str | None = Field(None, description="Nom ou UAI, sans tenir compte des accents ni de la casse.")
    format: Literal["json", "csv"] = Field("json", description="json (paginé) ou csv (toutes les lignes).")


def school_item(school):
    return {
        "uai": school.uai,
        "name": school.name,
        "kind": school.kind,
        "nature": school.nature_label,
        "sector": school.sector,
        "state": school.state,
        "commune": territory_ref(school.commune),
        "address": school.address,
        "postcode": school.postcode,
        "latitude": school.latitude,
        "longitude": school.longitude,
        "priority_education": school.priority_education,
    }


@router.get(
    "",
    response={200: SchoolPage, **ERRORS},
    summary="Lister les écoles et établissements",
    openapi_extra={
        "responses": {
            200: {
                "description": "JSON paginé, ou CSV de toutes les lignes avec format=csv.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def list_schools(request, filters: Query[SchoolFilters]):
    """Écoles et établissements du répertoire, triés par UAI. En CSV : séparateur `;`, UTF-8 avec BOM, décimales
    à virgule (Excel en français l'ouvre tel quel), toutes les lignes, sans pagination."""
    schools = School.objects.select_related("commune").defer("commune__geometry").order_by("uai")
    place = None
    if filters.territory:
        place = resolve_reference(filters.territory, "territory")
        schools = schools.in_territory(place)
    if filters.kind:
        schools = schools.filter(kind__in=filters.kind)
    if filters.sector:
        schools = schools.filter(sector=filters.sector)
    if filters.state:
        schools = schools.filter(state=filters.state)
    if filters.q:
        schools = schools.search(filters.q)
    if filters.format == "csv":
        name = f"ecoles-{place.level}-{place.code}.csv" if place else "ecoles.csv"
        return csv_response(schools, name)
    count, items = filters.apply(schools)
    return {
        "items": [school_item(school) for school in items],
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.get("/{uai}", response={200: SchoolDetail, **ERRORS}, summary="Détail d'une école ou d'un établissement")
def school_detail(request, uai: str):
    """Fiche d'une école ou d'un établissement avec ses données par rentrée, chacune avec sa source et son
    millésime. `status` vaut `NS` quand la valeur n'est pas significative (elle est alors nulle)."""
    school = (
        School.objects.select_related("commune", "run")
        .defer("commune__geometry", "run__rejections", "run__message")
        .filter(uai=uai.upper().replace("\x00", ""))
        .first()
    )
    if school is None:
        raise HttpError(404, f"École ou établissement inconnu : {uai}")
    figures = (
        SchoolFigure.objects.filter(school=school)
        .select_related("run")
        .defer("run__rejections", "run__message")
        .order_by("-rentree", "variable")
    )
    return {
        **school_item(school),
        "nature_code": school.nature_code,
        "private_contract": school.private_contract,
        "funder": school.funder,
        "location_precision": school.location_precision,
        "rpi_concentrated": school.rpi_concentrated,
        "rpi_dispersed": school.rpi_dispersed,
        "email": school.email,
        "phone": school.phone,
        "website": school.website,
        "opened_on": school.opened_on,
        "provenance": provenance(school.run),
        "figures": [
            {
                "variable": figure.variable,
                "label": figure.get_variable_display(),
                "rentree": figure.rentree,
                "value": figure.value,
                "status": figure.status,
                "source": figure.run.source,
                "vintage": figure.run.vintage,
            }
            for figure in figures
        ],
    }


class _Echo:
    def write(self, value):
        return value


def csv_response(schools, file_name):
    """All the rows of `schools`, streamed as CSV for Excel in French: `;`, UTF-8 with BOM."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")

    def rows():
        yield "\ufeff" + writer.writerow([name for name, _ in CSV_COLUMNS])
        for school in schools.iterator(chunk_size=2000):
            yield writer.writerow([csv_cell(value(school)) for _, value in CSV_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
