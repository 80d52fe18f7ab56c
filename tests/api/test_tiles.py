import gzip
import io
import sqlite3
from contextlib import closing

import mapbox_vector_tile
import pytest
import shapely
from django.core.management import call_command

from edhub.territories import tiles
from edhub.territories.models import Level, Territory

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
VAL_DE_MARNE = "/api/v1/tiles/commune/4/8/5.mvt"  # the tile of zoom 4 around Paris holds the whole département


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def decoded(response):
    body = gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def test_tile_holds_every_commune_of_val_de_marne_with_its_code_only(client, var_dir):
    response = client.get(VAL_DE_MARNE, **GZIP)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Content-Encoding"] == "gzip"
    layer = decoded(response)["areas"]
    assert layer["extent"] == tiles.EXTENT
    codes = {feature["properties"]["code"] for feature in layer["features"]}
    assert all(list(feature["properties"]) == ["code"] for feature in layer["features"])
    val_de_marne = set(
        Territory.objects.current().filter(level=Level.COMMUNE, departement__code="94").values_list("code", flat=True)
    )
    assert len(val_de_marne) == 47
    assert val_de_marne <= codes
    assert {"75056", "92012", "93066"} <= codes  # Paris, Boulogne-Billancourt, Saint-Denis beside it
    # Every geometry lies in the tile, give or take the buffer, in whole tile units.
    for feature in layer["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.geom_type in ("Polygon", "MultiPolygon")
        assert min(shape.bounds) >= -tiles.BUFFER
        assert max(shape.bounds) <= tiles.EXTENT + tiles.BUFFER


def test_tile_without_gzip(client):
    response = client.get(VAL_DE_MARNE)

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert decoded(response) == decoded(client.get(VAL_DE_MARNE, **GZIP))


def test_tile_without_any_commune_is_empty(client):
    response = client.get("/api/v1/tiles/commune/4/0/0.mvt", **GZIP)  # the north-west Pacific

    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    ("url", "location", "kind"),
    [
        ("/api/v1/tiles/departement/4/8/5.mvt", "level", "literal_error"),
        ("/api/v1/tiles/commune/9/0/0.mvt", "z", "less_than_equal"),
        ("/api/v1/tiles/commune/-1/0/0.mvt", "z", "greater_than_equal"),
        ("/api/v1/tiles/commune/8/256/0.mvt", "x", "less_than_equal"),
        ("/api/v1/tiles/commune/8/0/99999999999999999999.mvt", "y", "less_than_equal"),
    ],
)
def test_tiles_outside_the_document(client, url, location, kind):
    """The document states the served level and the bounds of z, x and y: outside them, a validation error."""
    response = client.get(url)

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["path", location], kind)


def test_tile_outside_its_zoom_is_unknown(client):
    response = client.get("/api/v1/tiles/commune/4/16/5.mvt")

    assert response.status_code == 404
    assert response.json() == {"detail": "Tuile 4/16/5 inconnue : x et y vont de 0 à 2^zoom - 1."}


def test_tiles_command_cuts_every_tile_into_one_archive_read_by_the_api(client, var_dir, monkeypatch):
    monkeypatch.setattr(tiles, "MAX_ZOOM", 3)  # zooms 0 to 8 take a minute: the same code on the first four
    version = tiles.geography_version()
    out = io.StringIO()
    call_command("tiles", verbosity=0, stdout=out)

    archive = tiles.archive_path(Level.COMMUNE, version)
    assert archive.parent == var_dir / "tiles"
    size = archive.stat().st_size / 1e6
    assert out.getvalue() == f"11 tuiles des communes prêtes (zooms 0 à 3, {size:.1f} Mo) dans {archive.name}.\n"
    with closing(sqlite3.connect(archive)) as database:
        rows = database.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles").fetchall()
        metadata = dict(database.execute("SELECT name, value FROM metadata"))
    assert (metadata["format"], metadata["minzoom"], metadata["maxzoom"]) == ("pbf", "0", "3")
    # Rows counted from the south (MBTiles): every tile holding a commune, as the API cuts it without an archive.
    stored = {(z, x, 2**z - 1 - row): data for z, x, row, data in rows}
    assert sorted(stored) == [
        (0, 0, 0),
        *[(1, 0, 0), (1, 1, 0), (1, 1, 1)],  # the Americas (Antilles, Guyane), mainland France, the Indian Ocean
        *[(2, 1, 1), (2, 2, 1), (2, 2, 2)],
        *[(3, 2, 3), (3, 3, 2), (3, 4, 2), (3, 5, 4)],  # west and east of Greenwich for mainland France
    ]
    assert stored[(3, 4, 2)] == tiles._compressed(Level.COMMUNE, version, 3, 4, 2)

    # The API serves the archive's tiles as they are, and answers 204 at once for a tile it does not hold.
    monkeypatch.setattr(tiles, "build_tile", None)  # nothing is cut any more
    assert client.get("/api/v1/tiles/commune/3/4/2.mvt", **GZIP).content == stored[(3, 4, 2)]
    assert client.get("/api/v1/tiles/commune/3/0/0.mvt", **GZIP).status_code == 204

    out = io.StringIO()
    call_command("tiles", verbosity=0, stdout=out)
    assert out.getvalue() == "Tuiles des communes déjà prêtes pour la géographie en vigueur.\n"
