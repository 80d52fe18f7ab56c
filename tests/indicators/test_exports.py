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
    assert rows[0] == ("Code", "Nom", "Écoles (écoles)", "Couverture (0 à 1)", "Statut de la couverture")
    assert len(rows) == 1 + 47
    assert ("94028", "Créteil", 45, 1, "complète") in rows
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
    assert creteil["properties"] == {
        "code": "94028",
        "name": "Créteil",
        "value": 45,
        "coverage": 1.0,
        "coverage_status": "complete",
    }
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
        "coverage_status": "complete",
    }
    assert beuvin["geometry"] == {"type": "Point", "coordinates": [2.45384, 48.80343]}
    # A school without coordinates in the registry: its value, without a geometry.
    maille = next(f for f in data["features"] if f["properties"]["code"] == "0940970U")
    assert (maille["geometry"], maille["properties"]["value"]) == (None, 124.6)
    # The same schools as the JSON values.
    values = client.get(url.replace("&format=geojson", "")).json()["values"]
    assert [f["properties"]["code"] for f in data["features"]] == [item["code"] for item in values]


def test_france_count_of_ecoles_is_partial(client):
    """Built from the directory of Val-de-Marne and the effectifs of Ille-et-Vilaine: 2 départements of 101."""
    data = client.get("/api/v1/indicators/ecoles/values?level=france").json()
    assert data["values"] == [
        {"code": "FR", "name": "France", "value": 1332, "coverage": 0.02, "coverage_status": "partial"}
    ]
    lycees = client.get("/api/v1/indicators/lycees/values?level=france").json()
    assert lycees["values"] == [
        {"code": "FR", "name": "France", "value": None, "coverage": 0.0, "coverage_status": None}
    ]


def test_csv_of_the_departements_of_an_academie_says_partial_and_missing(client):
    url = "/api/v1/indicators/ecoles/values?level=departement&parent=academie:24&format=csv"
    lines = client.get(url).content.decode("utf-8").splitlines()
    missing = "N.C. : aucune source chargée ne couvre ce territoire (couverture nulle)"
    assert lines == [
        "\ufeffcode;nom;Écoles (écoles);couverture;statut de la couverture",
        f"77;Seine-et-Marne;;0,0;{missing}",
        f"93;Seine-Saint-Denis;;0,0;{missing}",
        "94;Val-de-Marne;652;1,0;complète",
    ]
    academies = client.get("/api/v1/indicators/ecoles/values?level=academie&parent=region_academique:11&format=csv")
    assert academies.content.decode("utf-8").splitlines()[1:] == [
        "01;Paris;;0,0;" + missing,
        "24;Créteil;652;0,333;partielle",
        "25;Versailles;;0,0;" + missing,
    ]


def test_formats_in_the_openapi_document(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/indicators/{slug}/values"]["get"]

    content = operation["responses"]["200"]["content"]
    assert {"application/json", "text/csv", "application/geo+json"} <= set(content)
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in content
    parameter = next(p for p in operation["parameters"] if p["name"] == "format")
    assert parameter["schema"]["enum"] == ["json", "csv", "xlsx", "geojson"]
