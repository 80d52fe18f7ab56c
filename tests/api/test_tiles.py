import gzip
import io

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
    # Kept on disk under the geography version, served from there the next time.
    stored = list((var_dir / "tiles").rglob("*.mvt.gz"))
    assert [path.relative_to(var_dir / "tiles").parts[1:] for path in stored] == [("commune", "4", "8", "5.mvt.gz")]
    stored[0].write_bytes(gzip.compress(mapbox_vector_tile.encode([{"name": "areas", "features": []}])))
    assert decoded(client.get(VAL_DE_MARNE, **GZIP))["areas"]["features"] == []


def test_tile_without_gzip_and_outside_france(client):
    response = client.get("/api/v1/tiles/commune/4/0/0.mvt")

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert decoded(response)["areas"]["features"] == []  # no commune in the north-west Pacific: an empty tile


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/v1/tiles/departement/4/8/5.mvt", "Paramètre level invalide : tuiles pour commune seulement."),
        ("/api/v1/tiles/commune/9/0/0.mvt", "Tuile 9/0/0 invalide : zoom de 0 à 8, x et y de 0 à 2^zoom - 1."),
        ("/api/v1/tiles/commune/4/16/5.mvt", "Tuile 4/16/5 invalide : zoom de 0 à 8, x et y de 0 à 2^zoom - 1."),
    ],
)
def test_bad_tiles(client, url, detail):
    response = client.get(url)

    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_tiles_command_prepares_the_tiles_where_the_national_map_opens(var_dir):
    out = io.StringIO()
    call_command("tiles", zooms="4", verbosity=0, stdout=out)

    assert out.getvalue() == "2 tuiles des communes prêtes (zooms 4).\n"
    stored = sorted(path.relative_to(var_dir / "tiles").parts[1:] for path in (var_dir / "tiles").rglob("*.mvt.gz"))
    assert stored == [("commune", "4", "7", "5.mvt.gz"), ("commune", "4", "8", "5.mvt.gz")]
