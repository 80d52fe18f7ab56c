import gzip
import json

import pytest

from edhub.api.v1.geometries import DETAILS

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
MAX_NATIONAL_BYTES = 4_000_000


def features(response):
    body = gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
    data = json.loads(body)
    assert data["type"] == "FeatureCollection"
    return data["features"]


def test_regions_academiques_of_france(client):
    response = client.get("/api/v1/geometries/region_academique")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "Content-Encoding" not in response
    found = features(response)
    assert len(found) == 18
    ile_de_france = next(f for f in found if f["properties"]["code"] == "11")
    assert ile_de_france["properties"] == {
        "level": "region_academique",
        "code": "11",
        "name": "Île-de-France",
        "population": ile_de_france["properties"]["population"],
        "area_km2": ile_de_france["properties"]["area_km2"],
    }
    assert ile_de_france["properties"]["population"] > 12_000_000
    assert ile_de_france["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_communes_of_val_de_marne_simplified_and_rounded(client):
    response = client.get("/api/v1/geometries/commune?parent=departement:94&detail=high")

    found = features(response)
    assert len(found) == 47
    assert {f["properties"]["level"] for f in found} == {"commune"}
    creteil = next(f for f in found if f["properties"]["code"] == "94028")
    assert creteil["properties"]["name"] == "Créteil"
    ring = creteil["geometry"]["coordinates"][0]
    decimals = DETAILS["high"][1]
    assert all(round(x, decimals) == x and round(y, decimals) == y for x, y in ring)
    assert 2.4 < ring[0][0] < 2.5
    assert 48.7 < ring[0][1] < 48.9


def test_academies_of_a_region_academique_and_departements_of_an_academie(client):
    academies = features(client.get("/api/v1/geometries/academie?parent=region_academique:11"))
    assert sorted(f["properties"]["name"] for f in academies) == ["Créteil", "Paris", "Versailles"]
    departements = features(client.get("/api/v1/geometries/departement?parent=academie:24"))
    assert sorted(f["properties"]["code"] for f in departements) == ["77", "93", "94"]


def test_gzip_when_the_client_accepts_it(client):
    plain = client.get("/api/v1/geometries/departement")
    compressed = client.get("/api/v1/geometries/departement", **GZIP)

    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 3
    # Served again from the cache: the same bytes.
    assert client.get("/api/v1/geometries/departement", **GZIP).content == compressed.content


def test_national_communes_at_low_detail_stay_small(client):
    response = client.get("/api/v1/geometries/commune?detail=low", **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    size = len(response.content)
    found = features(response)
    print(f"national communes, detail=low: {len(found)} features, {size / 1e6:.2f} MB gzip")
    assert len(found) > 34_000
    assert size <= MAX_NATIONAL_BYTES


@pytest.mark.parametrize(
    ("url", "status", "location"),
    [
        ("/api/v1/geometries/canton", 400, ["path", "level"]),
        ("/api/v1/geometries/commune?detail=medium", 400, ["query", "detail"]),
        ("/api/v1/geometries/commune?parent=94", 400, None),
        ("/api/v1/geometries/commune?parent=departement:999", 404, None),
        ("/api/v1/geometries/schools", 400, ["query", "territory"]),
        ("/api/v1/geometries/schools?territory=commune:00000", 404, None),
        ("/api/v1/geometries/schools?territory=france:FR", 400, None),
    ],
)
def test_bad_parameters_give_json_errors(client, url, status, location):
    response = client.get(url)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    if location:
        assert [error["loc"] for error in detail] == [location]
    else:
        assert isinstance(detail, str)
        assert detail


def test_school_points_of_a_commune(client):
    response = client.get("/api/v1/geometries/schools?territory=commune:94028", **GZIP)

    assert response["Content-Type"] == "application/geo+json"
    found = features(response)
    assert len(found) == 54
    laplace = next(f for f in found if f["properties"]["uai"] == "0940003T")
    assert laplace == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": laplace["geometry"]["coordinates"]},
        "properties": {"uai": "0940003T", "name": "Collège Laplace", "kind": "college", "sector": "public"},
    }
    longitude, latitude = laplace["geometry"]["coordinates"]
    assert 2.4 < longitude < 2.5
    assert 48.7 < latitude < 48.9
