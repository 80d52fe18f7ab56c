"""Vector tiles of the territory contours for the national map (see edhub/territories/tiles.py)."""

import gzip

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Path, Router, Schema
from ninja.errors import HttpError

from edhub.api.v1.schemas import ERRORS
from edhub.territories import tiles
from edhub.territories.models import Level

router = Router(tags=["Cartographie"])

MVT = "application/vnd.mapbox-vector-tile"


class TilePath(Schema):
    level: Level
    z: int
    x: int
    y: int


@router.get(
    "/{level}/{z}/{x}/{y}.mvt",
    response={200: None, 204: None, **ERRORS},
    summary="Tuile vectorielle des contours d'un niveau (MVT)",
    openapi_extra={"responses": {200: {"content": {MVT: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def territory_tile(request, path: Path[TilePath]):
    """Contours des territoires en vigueur d'un niveau fin (communes) en tuile vectorielle Mapbox Vector Tile,
    couche « areas », propriété `code` seulement : les noms et les valeurs se joignent par le code. Tuiles jusqu'au
    zoom 8 (au-delà, le client agrandit celles du zoom 8). Réponse compressée (gzip) ; 204 (sans contenu) pour une
    tuile où ne se trouve aucun territoire."""
    level, z, x, y = path.level, path.z, path.x, path.y
    if level not in tiles.TILED_LEVELS:
        raise HttpError(400, f"Paramètre level invalide : tuiles pour {', '.join(tiles.TILED_LEVELS)} seulement.")
    if not 0 <= z <= tiles.MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise HttpError(400, f"Tuile {z}/{x}/{y} invalide : zoom de 0 à {tiles.MAX_ZOOM}, x et y de 0 à 2^zoom - 1.")
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
