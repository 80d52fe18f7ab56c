"""Vector tiles of the territory contours for the national map (see edhub/territories/tiles.py)."""

import gzip
from typing import Literal

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError

from edhub.api.v1.schemas import ERRORS
from edhub.territories import tiles

router = Router(tags=["Cartographie"])

MVT = "application/vnd.mapbox-vector-tile"


class TilePath(Schema):
    level: Literal[tuple(level.value for level in tiles.TILED_LEVELS)]
    z: int = Field(..., ge=0, le=tiles.MAX_ZOOM)
    x: int = Field(..., ge=0, le=2**tiles.MAX_ZOOM - 1)
    y: int = Field(..., ge=0, le=2**tiles.MAX_ZOOM - 1)


@router.get(
    "/{level}/{z}/{x}/{y}.mvt",
    response={200: None, 204: None, **ERRORS},
    summary="Tuile vectorielle des contours d'un niveau (MVT)",
    openapi_extra={"responses": {200: {"content": {MVT: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def territory_tile(request, filters: Path[TilePath]):
    """Contours des territoires en vigueur d'un niveau fin (communes) en tuile vectorielle Mapbox Vector Tile,
    couche « areas », propriété `code` seulement : les noms et les valeurs se joignent par le code. Tuiles jusqu'au
    zoom 8 (au-delà, le client agrandit celles du zoom 8). Réponse compressée (gzip) ; 204 (sans contenu) pour une
    tuile où ne se trouve aucun territoire."""
    level, z, x, y = filters.level, filters.z, filters.x, filters.y
    if not (x < 2**z and y < 2**z):
        raise HttpError(404, f"Tuile {z}/{x}/{y} inconnue : x et y vont de 0 à 2^zoom - 1.")
    compressed = tiles.compressed_tile(level, z, x, y)
    if compressed is None:
        response = HttpResponse(status=204)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compressed, content_type=MVT)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(compressed), content_type=MVT)
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Cache-Control"] = "public, max-age=3600"
    return response
