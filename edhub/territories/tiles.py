"""Vector tiles (Mapbox Vector Tile) of the territory contours, for the national map of a fine level.

The 35,000 communes of France are too many for a GeoJSON source: the browser would parse megabytes of JSON and
cut it into tiles itself before drawing anything. Here the server cuts them: the contours are projected once to
Web Mercator, simplified once per zoom to a pixel (borders shared by neighbours kept shared), and each tile is
clipped, encoded (mapbox-vector-tile) and gzip-compressed.

Cutting a zoom takes seconds (its simplification alone), far too long for a visitor, so `edhub tiles` (run by
`make data`) cuts every tile of every zoom once, into one MBTiles archive (SQLite) under var/tiles, named after
the geography version: a tile only depends on the reference geography, and stays valid until it is loaded
again. The server then reads each tile with one indexed query; a tile absent from the archive holds no
territory (the ocean, the Pacific…) and answers empty at once. Without an archive for the current geography
(`edhub setup` loaded a new one, `edhub tiles` not run yet), tiles are cut on request, as slowly as it takes.
Tiles carry the territory code only; names and values are joined by code from the other endpoints.
"""

import gzip
import json
import math
import multiprocessing
import os
import sqlite3
import threading
from contextlib import closing
from functools import lru_cache
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import shapely
from django.conf import settings

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
    """The latest successful load of the reference geography, read from the territories it wrote (a load writes its
    run on every territory it keeps, in the transaction that succeeds): tiles stay valid until the next one."""
    # Asked on every tile: the last run by the index of Territory.run, the two fields only.
    runs = Territory.objects.filter(run__isnull=False).order_by("-run").values_list("run", "run__checksum")
    run = runs.first()
    return f"{run[0]}-{run[1][:12]}" if run else "none"


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
    """The MVT bytes of one tile, or None when no territory lies in it."""
    with _lock:  # one process computes the shared projections once
        codes, _, tree = _contours(level, version)
    n = 2**z
    margin = BUFFER / EXTENT
    box = ((x - margin) / n, (y - margin) / n, (x + 1 + margin) / n, (y + 1 + margin) / n)
    found = tree.query(shapely.box(*box))  # by bounding box: clipping drops the contours that only come near
    if not len(found):
        return None
    with _lock:
        contours = _simplified(level, version, z)
    clipped = shapely.clip_by_rect(contours[found], *box)
    in_tile = shapely.transform(clipped, lambda c: (c - (x / n, y / n)) * (n * EXTENT))
    # Exterior rings of positive area in tile coordinates (clockwise on screen, y downwards), as MVT wants.
    in_tile = shapely.orient_polygons(in_tile)
    # Whole tile units, as the tile stores them; pieces that rounding flattens are left out.
    in_tile = shapely.set_precision(in_tile, 1.0, mode="pointwise")
    keep = shapely.area(in_tile) >= MIN_AREA
    if not keep.any():
        return None
    features = [
        {"geometry": geometry, "properties": {"code": code}}
        for geometry, code in zip(in_tile[keep], codes[found][keep], strict=True)
    ]
    return mapbox_vector_tile.encode(
        [{"name": LAYER, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True, "check_winding_order": False},
    )


def _compressed(level, version, z, x, y):
    tile = build_tile(level, version, z, x, y)
    return None if tile is None else gzip.compress(tile, compresslevel=6, mtime=0)


# -- the archive -------------------------------------------------------------------------------------------------


def archive_path(level, version):
    return Path(settings.VAR_DIR) / "tiles" / f"{level}-{version}.mbtiles"


def compressed_tile(level, z, x, y):
    """The gzip-compressed tile, or None when no territory lies in it: read from the archive of the current
    geography, or cut now when there is none."""
    version = geography_version()
    archive = archive_path(level, version)
    if not archive.exists():
        return _compressed(level, version, z, x, y)
    with closing(sqlite3.connect(f"file:{archive}?mode=ro", uri=True)) as database:
        row = database.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, 2**z - 1 - y),  # MBTiles count rows from the south (TMS)
        ).fetchone()
    return row[0] if row else None


def candidate_tiles(level, version):
    """The (z, x, y) of every tile, zoom 0 to MAX_ZOOM, that the bounding box of a contour touches."""
    _, projected, _ = _contours(level, version)
    bounds = shapely.bounds(projected)
    found = set()
    for z in range(MAX_ZOOM + 1):
        n = 2**z
        cells = np.clip(np.floor(bounds * n).astype(int), 0, n - 1)
        for x0, y0, x1, y1 in np.unique(cells, axis=0):
            found.update((z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1))
    return sorted(found)


def _zoom_tiles(task):
    """(z, [(x, y, compressed tile)]) of the tiles of one zoom that hold a territory (run in a worker process)."""
    level, version, z, cells = task
    tiles = [(x, y, _compressed(level, version, z, x, y)) for x, y in cells]
    _simplified.cache_clear()  # a worker keeps one zoom's contours at a time
    return z, [(x, y, tile) for x, y, tile in tiles if tile is not None]


def build_archive(level, version, candidates, progress=None):
    """Cut the `candidates` tiles (see candidate_tiles) of the level into the archive of the geography `version`.
    Returns (archive path, number of tiles stored: those holding a territory). The zooms are cut in parallel, one
    per process; `progress(n)` is called as the n candidates of a zoom are done."""
    archive = archive_path(level, version)
    archive.parent.mkdir(parents=True, exist_ok=True)
    by_zoom = {z: [(x, y) for zz, x, y in candidates if zz == z] for z in range(MAX_ZOOM + 1)}
    temporary = archive.with_suffix(f".{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    stored = 0
    with closing(sqlite3.connect(temporary)) as database:
        database.executescript(
            "CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB,"
            " PRIMARY KEY (zoom_level, tile_column, tile_row)) WITHOUT ROWID;"
        )
        database.executemany("INSERT INTO metadata VALUES (?, ?)", _metadata(level, version).items())
        tasks = [(level, version, z, cells) for z, cells in by_zoom.items()]
        processes = min(len(tasks), os.cpu_count() or 1)
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for z, tiles in pool.imap_unordered(_zoom_tiles, tasks):
                rows = [(z, x, 2**z - 1 - y, tile) for x, y, tile in tiles]
                database.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
                stored += len(rows)
                if progress is not None:
                    progress(len(by_zoom[z]))
        database.commit()
    temporary.replace(archive)  # atomic: a server sees the whole archive or none
    for former in archive.parent.glob(f"{level}-*.mbtiles"):
        if former != archive:
            former.unlink()
    return archive, stored


def _metadata(level, version):
    return {
        "name": f"edhub {level}",
        "format": "pbf",
        "type": "overlay",
        "version": version,
        "minzoom": "0",
        "maxzoom": str(MAX_ZOOM),
        "json": json.dumps({"vector_layers": [{"id": LAYER, "fields": {"code": "String"}}]}),
    }
