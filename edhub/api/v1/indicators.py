from datetime import datetime
from typing import Literal

from django.http import JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from edhub.api.v1.geometries import GEOJSON, feature_collection, geojson_response, simplified
from edhub.api.v1.schemas import ERRORS, Out, territory_reference
from edhub.api.v1.territories import resolve_reference
from edhub.indicators import coverage as coverage_rules
from edhub.indicators.catalogue import CATALOGUE, public_indicators
from edhub.indicators.models import SCHOOL_LEVEL
from edhub.indicators.queries import computed_at, periods_of, values_at
from edhub.opendata.provenance import source_info
from edhub.schools.models import School
from edhub.territories.models import Level, Territory
from edhub.utils.exports import XLSX_TYPE, csv_response, xlsx_response

router = Router(tags=["Indicateurs"])


class SourceItem(Out):
    slug: str
    title: str
    licence: str
    dataset_url: str


class IndicatorItem(Out):
    slug: str
    label: str
    definition: str
    unit: str
    theme: str
    sources: list[SourceItem]
    period_rule: str
    coverage_rule: str
    levels: list[str]
    aggregation: str
    aggregation_label: str
    direction: str
    decimals: int


class IndicatorDetail(IndicatorItem):
    periods: list[str]
    computed_at: datetime | None


class ValueItem(Out):
    code: str
    name: str
    value: float | None
    coverage: float | None
    coverage_status: Literal["complete", "partial"] | None


class IndicatorValues(Out):
    indicator: str
    period: str | None
    level: str
    values: list[ValueItem]


class ValuesFilters(Schema):
    level: str = Field(
        ...,
        description="Niveau : france, region_academique, academie, region, departement, epci, "
        "commune, arrondissement ou etablissement (selon l'indicateur).",
        json_schema_extra={"enum": [*Level.values, SCHOOL_LEVEL]},
    )
    parent: str | None = territory_reference("Territoire englobant, sous la forme niveau:code (departement:94).")
    period: str | None = Field(None, description="Période ; par défaut la plus récente.")
    format: Literal["json", "csv", "xlsx", "geojson"] = Field(
        "json",
        description="json ; csv (`;`, UTF-8 avec BOM, décimales à virgule) ; xlsx (feuille des valeurs et feuille "
        "« Source ») ; geojson (territoires avec leur contour simplifié, écoles en points).",
    )


def indicator_item(indicator):
    return {
        "slug": indicator.slug,
        "label": indicator.label,
        "definition": indicator.definition,
        "unit": indicator.unit,
        "theme": indicator.theme,
        "sources": [
            {"slug": s.slug, "title": s.title, "licence": s.licence, "dataset_url": s.dataset_url}
            for s in map(source_info, indicator.sources)
        ],
        "period_rule": indicator.period_rule,
        "coverage_rule": indicator.coverage_rule,
        "levels": list(indicator.levels),
        "aggregation": indicator.aggregation.value,
        "aggregation_label": indicator.aggregation.label,
        "direction": indicator.direction.value,
        "decimals": indicator.decimals,
    }


def get_indicator(slug):
    indicator = CATALOGUE.get(slug)
    if indicator is None or not indicator.public:
        raise HttpError(404, f"Indicateur inconnu : {slug}")
    return indicator


@router.get("", response={200: list[IndicatorItem]}, summary="Catalogue des indicateurs")
def list_indicators(request):
    """Les indicateurs publics de l'observatoire : définition, unité, sources, règle de période et de couverture,
    niveaux où ils existent, règle d'agrégation (jamais une moyenne de moyennes) et sens de lecture."""
    return [indicator_item(indicator) for indicator in public_indicators()]


@router.get("/{slug}", response={200: IndicatorDetail, **ERRORS}, summary="Définition d'un indicateur")
def indicator_detail(request, slug: str):
    """Un indicateur, avec ses périodes disponibles (la plus récente d'abord) et la date de son dernier calcul."""
    indicator = get_indicator(slug)
    return {**indicator_item(indicator), "periods": periods_of(indicator), "computed_at": computed_at(indicator)}


@router.get(
    "/{slug}/values",
    response={200: IndicatorValues, **ERRORS},
    summary="Valeurs d'un indicateur à un niveau",
    openapi_extra={
        "responses": {
            200: {
                "description": "JSON ; CSV avec format=csv ; classeur XLSX avec format=xlsx ; FeatureCollection "
                "GeoJSON avec format=geojson.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    GEOJSON: {"schema": {"type": "object"}},
                },
            }
        }
    },
)
def indicator_values(request, slug: str, filters: Query[ValuesFilters]):
    """Valeur de l'indicateur pour chaque territoire d'un niveau (ou chaque école et établissement), triés par
    code, sans contour : de quoi colorer une carte dont les contours sont déjà chargés. `coverage` : part des
    écoles, des départements, des locaux ou de la population couverts, de 0 à 1 (null quand rien n'est connu) ;
    `value` vaut null (« N.C. ») quand rien n'est connu ou que la couverture est nulle ou inférieure à 0,1 %.
    `coverage_status` : « complete » (couverture de 100 %), « partial » (valeur partielle, couverture inférieure à
    100 %) ou null (pas de valeur). En CSV et XLSX, une colonne « statut de la couverture » dit « complète »,
    « partielle » ou pourquoi la valeur est « N.C. ». Valeurs arrondies au nombre de décimales de l'indicateur.
    En CSV : séparateur `;`, UTF-8 avec BOM, décimales à virgule. En XLSX : une feuille des valeurs (nombres en
    nombres, cellule vide pour « N.C. ») et une feuille « Source » (définition, sources, période, licence, date
    d'extraction). En GeoJSON : une FeatureCollection des territoires avec leur contour simplifié (géométrie nulle
    quand le contour manque), ou des écoles et établissements en points (géométrie nulle sans coordonnées),
    propriétés code, name, value, coverage, coverage_status."""
    indicator = get_indicator(slug)
    if filters.level not in indicator.levels:
        levels = ", ".join(indicator.levels)
        raise HttpError(400, f"Niveau « {filters.level} » indisponible pour cet indicateur. Niveaux : {levels}.")
    periods = periods_of(indicator)
    if filters.period and filters.period not in periods:
        known = ", ".join(periods) or "aucune (indicateur pas encore calculé)"
        raise HttpError(400, f"Période « {filters.period} » inconnue pour cet indicateur. Périodes : {known}.")
    period = filters.period or (periods[0] if periods else None)
    parent = resolve_reference(filters.parent, "parent") if filters.parent else None
    rows = values_at(indicator, filters.level, period, parent)
    name = f"{indicator.slug}_{filters.level}{f'_{parent.level}-{parent.code}' if parent else ''}_{period or 'nc'}"
    if filters.format == "csv":
        header = ["code", "nom", f"{indicator.label} ({indicator.unit})", "couverture", "statut de la couverture"]
        return csv_response(f"{name}.csv", header, with_status(rows))
    if filters.format == "xlsx":
        return xlsx_values(f"{name}.xlsx", indicator, with_status(rows), period, parent)
    if filters.format == "geojson":
        return geojson_values(request, indicator, rows, filters.level, period, parent)
    # Built here rather than validated item by item: a commune map of France has 35,000 values.
    return JsonResponse(
        {
            "indicator": indicator.slug,
            "period": period,
            "level": filters.level,
            "values": [
                {
                    "code": code,
                    "name": name,
                    "value": value,
                    "coverage": coverage,
                    "coverage_status": coverage_rules.status(value, coverage),
                }
                for code, name, value, coverage in rows
            ],
        },
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def with_status(rows):
    """The rows of an export, each followed by the status of its coverage (complète, partielle, or why N.C.)."""
    return [(*row, coverage_rules.status_label(row[2], row[3])) for row in rows]


def xlsx_values(filename, indicator, rows, period, parent):
    """The values, then a sheet "Source": what the indicator is, where it comes from, when it was extracted."""
    sources = [source_info(slug) for slug in indicator.sources]
    header = ["Code", "Nom", f"{indicator.label} ({indicator.unit})", "Couverture (0 à 1)", "Statut de la couverture"]
    about = [
        ("Indicateur", indicator.label),
        ("Identifiant", indicator.slug),
        ("Définition", indicator.definition),
        ("Unité", indicator.unit),
        ("Période", period or "aucune (indicateur pas encore calculé)"),
        ("Règle de période", indicator.period_rule),
        ("Couverture", indicator.coverage_rule),
        ("Territoire englobant", f"{parent.name} ({parent.level}:{parent.code})" if parent else "France entière"),
        ("Sources", " ; ".join(source.title for source in sources)),
        ("Jeux de données", " ; ".join(source.dataset_url for source in sources if source.dataset_url)),
        ("Licence", " ; ".join(dict.fromkeys(source.licence for source in sources if source.licence))),
        ("Extraction", timezone.localtime().strftime("%d/%m/%Y %H:%M")),
    ]
    return xlsx_response(filename, [("Valeurs", header, rows), ("Source", ["Rubrique", "Valeur"], about)])


def geojson_values(request, indicator, rows, level, period, parent):
    """A FeatureCollection of the values: territories with their simplified contour, or schools as points.

    Cached with its compression like the contours, until the next import or computation (the data version).
    """
    scope = f"{parent.level}:{parent.code}" if parent else "france"
    key = f"values:{indicator.slug}:{period}:{level}:{scope}"

    def properties(code, name, value, coverage):
        status = coverage_rules.status(value, coverage)
        return {"code": code, "name": name, "value": value, "coverage": coverage, "coverage_status": status}

    def build():
        if level == SCHOOL_LEVEL:
            schools = School.objects.filter(latitude__isnull=False, longitude__isnull=False)
            if parent is not None:
                schools = schools.in_territory(parent)
            points = {
                uai: f'{{"type":"Point","coordinates":[{round(lng, 5)},{round(lat, 5)}]}}'
                for uai, lng, lat in schools.values_list("uai", "longitude", "latitude").order_by()
            }
            return feature_collection((points.get(row[0], "null"), properties(*row)) for row in rows)
        territories = Territory.objects.current().filter(level=level).exclude(geometry="")
        if parent is not None:
            territories = territories.filter(parent.inside())
        contours = dict(territories.values_list("code", "geometry").order_by())
        detail = "high" if parent is not None and parent.level != Level.FRANCE else "low"
        geometries = dict(zip(contours, simplified(list(contours.values()), detail), strict=True)) if contours else {}
        return feature_collection((geometries.get(row[0], "null"), properties(*row)) for row in rows)

    return geojson_response(request, key, build)
