import csv
import io
from datetime import datetime
from typing import Literal

from django.http import HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from edhub.api.v1.schemas import ERRORS, Out
from edhub.api.v1.territories import resolve_reference
from edhub.indicators.catalogue import CATALOGUE, public_indicators
from edhub.indicators.queries import computed_at, periods_of, values_at
from edhub.opendata.provenance import source_info

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
    )
    parent: str | None = Field(None, description="Territoire englobant, sous la forme niveau:code (departement:94).")
    period: str | None = Field(None, description="Période ; par défaut la plus récente.")
    format: Literal["json", "csv"] = Field("json", description="json ou csv (`;`, UTF-8 avec BOM).")


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
                "description": "JSON, ou CSV avec format=csv.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def indicator_values(request, slug: str, filters: Query[ValuesFilters]):
    """Valeur de l'indicateur pour chaque territoire d'un niveau (ou chaque école et établissement), triés par
    code, sans contour : de quoi colorer une carte dont les contours sont déjà chargés. `value` et `coverage`
    (part des écoles, des locaux ou de la population couverts, de 0 à 1) valent null quand rien n'est connu
    (« N.C. »). Valeurs arrondies au nombre de décimales de l'indicateur. En CSV : séparateur `;`, UTF-8 avec BOM,
    décimales à virgule."""
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
    if filters.format == "csv":
        return csv_response(indicator, rows, filters.level, period, parent)
    # Built here rather than validated item by item: a commune map of France has 35,000 values.
    return JsonResponse(
        {
            "indicator": indicator.slug,
            "period": period,
            "level": filters.level,
            "values": [
                {"code": code, "name": name, "value": value, "coverage": coverage}
                for code, name, value, coverage in rows
            ],
        },
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def csv_response(indicator, rows, level, period, parent):
    """CSV for Excel in French: `;`, UTF-8 with BOM, decimal commas; empty cells for "N.C."."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["code", "nom", f"{indicator.label} ({indicator.unit})", "couverture"])
    for code, name, value, coverage in rows:
        writer.writerow([code, name, _decimal(value), _decimal(coverage)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    where = f"_{parent.level}-{parent.code}" if parent else ""
    response["Content-Disposition"] = f'attachment; filename="{indicator.slug}_{level}{where}_{period or "nc"}.csv"'
    return response


def _decimal(value):
    return "" if value is None else str(value).replace(".", ",")
