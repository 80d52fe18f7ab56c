import json
from datetime import date
from typing import Literal

from django.db.models import F
from ninja import Field, Query, Router
from ninja.errors import HttpError

from edhub.api.v1.schemas import (
    ERRORS,
    TERRITORY_REFERENCE_RE,
    Out,
    Pagination,
    TerritoryRef,
    territory_ref,
    territory_reference,
)
from edhub.indicators import coverage as coverage_rules
from edhub.indicators.models import IndicatorValue
from edhub.territories.models import Level, Territory
from edhub.territories.queries import (
    CHILD_LEVELS,
    children_of,
    get_territory,
    school_breakdown,
)

router = Router(tags=["Territoires"])


class TerritoryItem(TerritoryRef):
    population: int | None
    area_km2: float | None
    parent: TerritoryRef | None


class TerritoryPage(Out):
    items: list[TerritoryItem]
    count: int
    page: int
    page_size: int


class TerritoryChild(TerritoryRef):
    population: int | None


class Centroid(Out):
    latitude: float
    longitude: float


class Density(Out):
    level: int
    label: str
    rural: bool
    estimated: bool


# The observatory's counts of schools given with their coverage (see edhub.indicators.coverage).
COUNT_INDICATORS = ("etablissements", "ecoles", "colleges", "lycees")


class CountedSchools(Out):
    value: float | None = Field(description="Nombre (hors fermés) ; null : N.C.")
    coverage: float | None = Field(
        description="Part du territoire où une source chargée recense tous ces établissements."
    )
    coverage_status: Literal["complete", "partial"] | None
    period: str | None
    reason: str | None = Field(description="Pourquoi la valeur est N.C. (null quand elle est publiée).")


class SchoolCounts(Out):
    total: int
    public: int
    prive: int
    by_kind: dict[str, int]
    counted: dict[str, CountedSchools] = Field(
        description="Les comptes de l'observatoire (établissements, écoles, collèges, lycées) avec leur couverture : "
        "les nombres ci-dessus sont ceux des établissements chargés, que leurs sources recensent tout le territoire "
        "ou non ; ceux-ci ne sont publiés que là où une source les recense tous."
    )


class TerritoryDetail(TerritoryRef):
    population: int | None
    area_km2: float | None
    centroid: Centroid | None
    density: Density | None
    valid_from: date | None
    valid_to: date | None
    successor: TerritoryRef | None
    parents: list[TerritoryRef]
    children: list[TerritoryChild]
    schools: SchoolCounts
    geometry: dict | None


def resolve_reference(reference, name):
    """The territory named by "niveau:code" in the query parameter `name`: 400 when malformed, 404 when unknown."""
    if not TERRITORY_REFERENCE_RE.match(reference):
        raise HttpError(400, f"Paramètre {name} invalide : attendu niveau:code, par exemple departement:94.")
    level, code = reference.split(":")
    territory = get_territory(level, code)
    if territory is None:
        raise HttpError(404, f"Territoire inconnu : {level}:{code}")
    return territory


class TerritoryFilters(Pagination):
    level: Level | None = Field(None, description="Niveau des territoires.")
    parent: str | None = territory_reference("Territoire englobant, sous la forme niveau:code.")
    q: str | None = Field(None, description="Nom ou code, sans tenir compte des accents ni de la casse.")


@router.get("", response={200: TerritoryPage, **ERRORS}, summary="Lister les territoires")
def list_territories(request, filters: Query[TerritoryFilters]):
    """Territoires en vigueur, du plus peuplé au moins peuplé. `parent` restreint aux territoires qu'il contient."""
    territories = Territory.objects.current().select_related("parent").defer("geometry", "parent__geometry")
    if filters.level:
        territories = territories.filter(level=filters.level)
    if filters.parent:
        parent = resolve_reference(filters.parent, "parent")
        territories = territories.filter(parent.inside()).exclude(pk=parent.pk).exclude(level=Level.FRANCE)
    if filters.q:
        territories = territories.search(filters.q)
    territories = territories.order_by(F("population").desc(nulls_last=True), "level", "code")
    count, items = filters.apply(territories)
    return {
        "items": [
            {**territory_ref(t), "population": t.population, "area_km2": t.area_km2, "parent": territory_ref(t.parent)}
            for t in items
        ],
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.get("/{level}/{code}", response={200: TerritoryDetail, **ERRORS}, summary="Détail d'un territoire")
def territory_detail(
    request,
    level: str,
    code: str,
    geometry: bool = Query(False, description="Inclure le contour GeoJSON (WGS84)."),
):
    """Un territoire avec la chaîne de ses parents (du plus proche à la France), ses enfants directs et le nombre
    d'écoles et d'établissements (hors fermés). Un ancien code de commune renvoie la commune d'aujourd'hui."""
    territory = get_territory(level, code, geometry=geometry)
    if territory is None:
        raise HttpError(404, f"Territoire inconnu : {level}/{code}")
    children = [
        child
        for child_level in CHILD_LEVELS[territory.level]
        for child in children_of(territory, child_level).values("level", "code", "name", "population")
    ]
    breakdown = school_breakdown(territory)
    has_centroid = territory.latitude is not None and territory.longitude is not None
    return {
        **territory_ref(territory),
        "population": territory.population,
        "area_km2": territory.area_km2,
        "centroid": {"latitude": territory.latitude, "longitude": territory.longitude} if has_centroid else None,
        "density": None
        if territory.density_level is None
        else {
            "level": territory.density_level,
            "label": territory.density_label,
            "rural": territory.is_rural,
            "estimated": territory.density_estimated,
        },
        "valid_from": territory.valid_from,
        "valid_to": territory.valid_to,
        "successor": territory_ref(territory.successor),
        "parents": [territory_ref(parent) for parent in territory.ancestors()],
        "children": children,
        "schools": {
            "total": breakdown["total"],
            "public": breakdown["public"],
            "prive": breakdown["prive"],
            "by_kind": {row["kind"]: row["total"] for row in breakdown["rows"]},
            "counted": counted_schools(territory),
        },
        "geometry": json.loads(territory.geometry) if geometry and territory.geometry else None,
    }


def counted_schools(territory):
    """The observatory's counts of schools of `territory` for their latest period, with their coverage."""
    latest = {}
    rows = IndicatorValue.objects.filter(territory=territory, school=None, indicator__in=COUNT_INDICATORS).order_by(
        "period"
    )
    for slug, period, value, coverage in rows.values_list("indicator", "period", "value", "coverage"):
        latest[slug] = (period, value, coverage)
    counted = {}
    for slug in COUNT_INDICATORS:
        period, value, coverage = latest.get(slug, (None, None, None))
        counted[slug] = {
            "value": value,
            "coverage": coverage,
            "coverage_status": coverage_rules.status(value, coverage),
            "period": period,
            "reason": None if value is not None else coverage_rules.missing_reason(coverage),
        }
    return counted
