"""Vector tiles (Mapbox Vector Tile) of the territory contours, for the national map of a fine level.

The 35,000 communes of France are too many for a GeoJSON source: the browser would parse megabytes of JSON and
cut it into tiles itself before drawing anything. Here the server cuts them: the contours are projected once to
Web Mercator, simplified once per zoom to a pixel (borders shared by neighbours kept shared), and each requested
tile is clipped, encoded (mapbox-vector-tile), gzip-compressed and written to disk under var/tiles, shared by
every server process. A tile only depends on the reference geography: it is kept until the geography is loaded
again, whatever the indicators do. Tiles carry the territory code only; names and values are joined by code from
the other endpoints.
"""

import gzip
import math
import threading
from functools import lru_cache
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import shapely
from django.conf import settings

from edhub.opendata.models import ImportRun
from edhub.territories.geography import SOURCE as GEOGRAPHY
from edhub.territories.models import Level, Territory

LAYER = "areas"
EXTENT = 2048  # tile units: four per pixel of a 512-pixel tile, so that communes smaller than a pixel stay drawn
BUFFER = 32  # tile units drawn beyond each edge, so that outlines join across tiles
SIMPLIFY = 4  # tile units (a pixel): the contours are simplified to this tolerance
MIN_AREA = 1.0  # square tile units (a sixteenth of a pixel)
MAX_ZOOM = 8  # deeper zooms reuse (overzoom) the tiles of this one
TILED_LEVELS = (Level.COMMUNE,)
_lock = threading.Lock()


def geography_version():
    """The latest successful load of the reference geography: tiles stay valid until the next one."""
    run = ImportRun.objects.succeeded().filter(source=GEOGRAPHY).order_by("-finished_at").first()
    return f"{run.pk}-{run.checksum[:12]}" if run else "none"


def _mercator(coordinates):
    """WGS84 longitude/latitude → Web Mercator on the unit square (x to the east, y downwards)."""
    lon = coordinates[:, 0]
    lat = np.radians(np.clip(coordinates[:, 1], -85.0511, 85.0511))
    x = (lon + 180.0) / 360.0
    y = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0
    return np.column_stack([x, y])


@lru_cache(maxsize=2)
def _contours(level, version):
    """The current contours of a level, projected, with their codes and a spatial index."""
    rows = list(
        Territory.objects.current()
        .filter(level=level)
        .exclude(geometry="")
        .order_by("code")
        .values_list("code", "geometry")
    )
    codes = np.array([code for code, _ in rows], dtype=object)
    projected = shapely.transform(shapely.from_geojson([geometry for _, geometry in rows]), _mercator)
    return codes, projected, shapely.STRtree(projected)


@lru_cache(maxsize=16)
def _simplified(level, version, z):
    """The contours simplified to a pixel at zoom z, as a coverage: neighbours keep their shared borders, with
    neither gap nor overlap between them (simplified one by one, they would leave white slivers at every border)."""
    _, projected, _ = _contours(level, version)
    return shapely.coverage_simplify(projected, SIMPLIFY / (EXTENT * 2**z))


def build_tile(level, version, z, x, y):
    """The MVT bytes of one tile (empty layer outside the territories)."""
    with _lock:  # one process computes the shared projections once
        codes, projected, tree = _contours(level, version)
        contours = _simplified(level, version, z)
    n = 2**z
    margin = BUFFER / EXTENT
    box = ((x - margin) / n, (y - margin) / n, (x + 1 + margin) / n, (y + 1 + margin) / n)
    found = tree.query(shapely.box(*box), predicate="intersects")
    clipped = shapely.clip_by_rect(contours[found], *box)
    in_tile = shapely.transform(clipped, lambda c: (c - (x / n, y / n)) * (n * EXTENT))
    # Exterior rings of positive area in tile coordinates (clockwise on screen, y downwards), as MVT wants.
    in_tile = shapely.orient_polygons(in_tile)
    # Whole tile units, as the tile stores them; pieces that rounding flattens are left out.
    in_tile = shapely.set_precision(in_tile, 1.0, mode="pointwise")
    keep = shapely.area(in_tile) >= MIN_AREA
    features = [
        {"geometry": geometry, "properties": {"code": code}}
        for geometry, code in zip(in_tile[keep], codes[found][keep], strict=True)
    ]
    return mapbox_vector_tile.encode(
        [{"name": LAYER, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True, "check_winding_order": False},
    )


def tile_path(level, version, z, x, y):
    return Path(settings.VAR_DIR) / "tiles" / version / level / str(z) / str(x) / f"{y}.mvt.gz"


def compressed_tile(level, z, x, y):
    """The gzip-compressed tile, from disk, built and stored there the first time."""
    version = geography_version()
    stored = tile_path(level, version, z, x, y)
    if stored.exists():
        return stored.read_bytes()
    compressed = gzip.compress(build_tile(level, version, z, x, y), compresslevel=6, mtime=0)
    stored.parent.mkdir(parents=True, exist_ok=True)
    temporary = stored.with_suffix(f".{threading.get_ident()}.tmp")
    temporary.write_bytes(compressed)
    temporary.replace(stored)  # atomic: a concurrent reader sees the whole tile or none
    return compressed


def covering(bounds, z):
    """The (x, y) of the tiles of zoom z that cover bounds (west, south, east, north in degrees)."""
    west, south, east, north = bounds
    (x0, y0), (x1, y1) = (_mercator(np.array([[west, north], [east, south]])) * 2**z).astype(int).clip(0, 2**z - 1)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
