"""Exports of the indicator values API (/api/v1/indicators/{slug}/values): XLSX and GeoJSON, on the real data."""

import gzip
import io
import json

import openpyxl
import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]

COMMUNES_94 = "/api/v1/indicators/ecoles/values?level=commune&parent=departement:94"


def test_xlsx(client):
    response = client.get(f"{COMMUNES_94}&format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="ecoles_commune_departement-94_2026.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Valeurs", "Source"]
    rows = list(book["Valeurs"].iter_rows(values_only=True))
    assert rows[0] == ("Code", "Nom", "Écoles (écoles)", "Couverture (0 à 1)")
    assert len(rows) == 1 + 47
    assert ("94028", "Créteil", 45, 1) in rows
    assert book["Valeurs"]["A2"].value == "94001"  # codes stay text
    about = dict(book["Source"].iter_rows(values_only=True))
    assert about["Identifiant"] == "ecoles"
    assert about["Période"] == "2026"
    assert about["Territoire englobant"] == "Val-de-Marne (departement:94)"
    assert about["Licence"] == "Licence Ouverte / Etalab 2.0"
    assert about["Sources"].startswith("Annuaire de l'éducation ; Adresse et géolocalisation des établissements")
    assert about["Extraction"]


def test_geojson_of_communes(client):
    response = client.get(f"{COMMUNES_94}&format=geojson")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 47
    creteil = next(f for f in data["features"] if f["properties"]["code"] == "94028")
    assert creteil["properties"] == {"code": "94028", "name": "Créteil", "value": 45, "coverage": 1.0}
    assert creteil["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ring = creteil["geometry"]["coordinates"][0]
    longitude, latitude = ring[0] if creteil["geometry"]["type"] == "Polygon" else ring[0][0]
    assert 2.4 < longitude < 2.55
    assert 48.75 < latitude < 48.82


def test_geojson_of_schools_is_points_and_compressed_on_demand(client):
    url = "/api/v1/indicators/ips_ecoles/values?level=etablissement&parent=commune:94028&format=geojson"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})

    assert response["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.content))
    beuvin = next(f for f in data["features"] if f["properties"]["code"] == "0940197D")
    assert beuvin["properties"] == {
        "code": "0940197D",
        "name": "Ecole élémentaire Charles Beuvin A",
        "value": 91.6,
        "coverage": 1.0,
    }
    assert beuvin["geometry"] == {"type": "Point", "coordinates": [2.45384, 48.80343]}
    # A school without coordinates in the registry: its value, without a geometry.
    maille = next(f for f in data["features"] if f["properties"]["code"] == "0940970U")
    assert (maille["geometry"], maille["properties"]["value"]) == (None, 124.6)
    # The same schools as the JSON values.
    values = client.get(url.replace("&format=geojson", "")).json()["values"]
    assert [f["properties"]["code"] for f in data["features"]] == [item["code"] for item in values]


def test_formats_in_the_openapi_document(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/indicators/{slug}/values"]["get"]

    content = operation["responses"]["200"]["content"]
    assert {"application/json", "text/csv", "application/geo+json"} <= set(content)
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in content
    parameter = next(p for p in operation["parameters"] if p["name"] == "format")
    assert parameter["schema"]["enum"] == ["json", "csv", "xlsx", "geojson"]
