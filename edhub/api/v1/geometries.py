"""GeoJSON for the map: territory contours simplified for the scale they are drawn at, and school points.

Contours are simplified at request time (shapely) and their coordinates rounded, then the FeatureCollection is
serialised once and kept, with its gzip compression, until the next import: re-serving it is one cache read. The
responses are `application/geo+json`, which the generic API response cache leaves alone (it would drop the
`Content-Encoding` of a compressed body).
"""

import gzip
import json
from typing import Literal

import numpy as np
import shapely
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from edhub.api.cache import cached
from edhub.api.v1.schemas import ERRORS, Out, territory_reference
from edhub.api.v1.territories import resolve_reference
from edhub.opendata.models import ImportRun
from edhub.schools.models import School, State
from edhub.territories.models import Level, Territory
from edhub.territories.queries import LINKED_LEVELS

router = Router(tags=["Cartographie"])

GEOJSON = "application/geo+json"
CACHE_SECONDS = 24 * 3600
# Detail of the contours: (simplification tolerance in degrees, decimals kept). "low" is for a national view
# (a pixel is kilometres wide), "high" for a département or a commune.
# "none" gives the properties only (geometry null), beside the vector tiles of the same level (see tiles.py).
DETAILS = {"low": (0.01, 3), "high": (0.0005, 4), "none": None}
LINKED_PLACES = (Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE, Level.ARRONDISSEMENT)


class GeometryFilters(Schema):
    parent: str | None = territory_reference(
        "Territoire englobant, sous la forme niveau:code (departement:94…) ; sinon toute la France."
    )
    detail: Literal["low", "high", "none"] = Field(
        "low",
        description="low : contours très simplifiés (vue nationale) ; high : contours fins (vue locale) ; "
        "none : propriétés seules, sans contour (à joindre aux tuiles vectorielles par le code).",
    )


class SchoolPointFilters(Schema):
    territory: str = territory_reference("Territoire englobant, sous la forme niveau:code (commune:94028…).", ...)


class FeatureCollection(Out):
    type: Literal["FeatureCollection"]
    features: list[dict]


def geojson_response(request, key, build):
    """The FeatureCollection `build()` returns, serialised and compressed once per data version."""
    key = f"edhub:geojson:{ImportRun.objects.data_version()}:{key}"

    def serialise():
        body = build().encode()
        return (body, gzip.compress(body, compresslevel=6, mtime=0))

    body, compressed = cached(key, serialise, CACHE_SECONDS)
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(compressed if accepts_gzip else body, content_type=GEOJSON)
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Cache-Control"] = "public, max-age=600"
    return response


def compact_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def feature_collection(features):
    """A FeatureCollection text from (geometry GeoJSON text, properties dict) pairs, without re-parsing geometry."""
    parts = (
        f'{{"type":"Feature","geometry":{geometry},"properties":{compact_json(properties)}}}'
        for geometry, properties in features
    )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def simplified(contours, detail):
    """The GeoJSON texts of `contours` (GeoJSON texts) simplified and rounded for `detail`, vectorised."""
    if DETAILS[detail] is None:
        return ["null"] * len(contours)
    tolerance, decimals = DETAILS[detail]
    geometries = shapely.from_geojson(contours)
    geometries = shapely.simplify(geometries, tolerance, preserve_topology=True)
    geometries = shapely.transform(geometries, lambda coordinates: np.round(coordinates, decimals))
    return shapely.to_geojson(geometries)


def _round(value, decimals):
    return None if value is None else round(value, decimals)


@router.get(
    "/schools",
    response={200: FeatureCollection, **ERRORS},
    summary="Points des écoles et établissements (GeoJSON)",
    openapi_extra={"responses": {200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}}},
)
def school_points(request, filters: Query[SchoolPointFilters]):
    """Écoles et établissements localisés d'un territoire (hors fermés), en points GeoJSON : UAI, nom, type et
    secteur seulement. Les établissements sans coordonnées ne figurent pas."""
    territory = resolve_reference(filters.territory, "territory")
    if territory.level == Level.FRANCE:
        raise HttpError(400, "Paramètre territory invalide : choisir un territoire plus petit que la France.")

    def build():
        rows = (
            School.objects.in_territory(territory)
            .exclude(state=State.CLOSED)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .order_by("uai")
            .values_list("uai", "name", "kind", "sector", "longitude", "latitude")
        )
        return feature_collection(
            (
                f'{{"type":"Point","coordinates":[{_round(lng, 5)},{_round(lat, 5)}]}}',
                {"uai": uai, "name": name, "kind": kind, "sector": sector},
            )
            for uai, name, kind, sector, lng, lat in rows
        )

    return geojson_response(request, f"schools:{territory.level}:{territory.code}", build)


@router.get(
    "/{level}",
    response={200: FeatureCollection, **ERRORS},
    summary="Contours des territoires d'un niveau (GeoJSON)",
    openapi_extra={"responses": {200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}}},
)
def territory_geometries(request, level: Level, filters: Query[GeometryFilters]):
    """Contours simplifiés (WGS84) des territoires en vigueur d'un niveau, dans un territoire englobant ou dans
    toute la France. Propriétés : niveau, code, nom, population et superficie (km²), sans valeur d'indicateur :
    les valeurs s'obtiennent à part et se joignent par le code. Réponse compressée (gzip) si le client l'accepte."""
    territories = Territory.objects.current().filter(level=level)
    scope = "france"
    if filters.parent and level != Level.FRANCE:
        parent = resolve_reference(filters.parent, "parent")
        scope = f"{parent.level}:{parent.code}"
        if parent.level in LINKED_LEVELS and level in LINKED_PLACES:
            # Départements, EPCI, communes and arrondissements link to every enclosing level: one indexed lookup.
            territories = territories.filter(**{parent.level: parent})
        elif parent.level != Level.FRANCE:
            territories = territories.filter(parent=parent)

    def build():
        rows = list(
            territories.exclude(geometry="")
            .order_by("code")
            .values_list("level", "code", "name", "population", "area_km2", "geometry")
        )
        contours = simplified([row[-1] for row in rows], filters.detail)
        return feature_collection(
            (
                contour,
                {
                    "level": level_,
                    "code": code,
                    "name": name,
                    "population": population,
                    "area_km2": _round(area, 2),
                },
            )
            for (level_, code, name, population, area, _), contour in zip(rows, contours, strict=True)
        )

    return geojson_response(request, f"territories:{level}:{scope}:{filters.detail}", build)
