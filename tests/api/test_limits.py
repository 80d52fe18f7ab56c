"""The limits the OpenAPI document states are the ones the API applies: what it allows is served, the rest refused."""

import pytest
from django.core.cache import cache

from edhub.api.v1.schemas import MAX_PAGE, TERRITORY_REFERENCE

REFERENCE_ERROR = "Paramètre {} invalide : attendu niveau:code, par exemple departement:94."


def parameters(client, path):
    document = client.get("/api/v1/openapi.json").json()
    return {parameter["name"]: parameter["schema"] for parameter in document["paths"][path]["get"]["parameters"]}


@pytest.mark.parametrize(
    "url", ["/api/v1/schools?page=15693806137072941006848", "/api/v1/territories?page=99999999999999999999"]
)
def test_huge_page_is_a_bad_parameter(client, db, url):
    response = client.get(url)

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["query", "page"], "less_than_equal")


def test_last_allowed_page_is_served_empty(client, db):
    response = client.get(f"/api/v1/schools?page={MAX_PAGE}&page_size=500")

    assert response.status_code == 200
    assert (response.json()["items"], response.json()["page"]) == ([], 1_000_000)


def test_document_states_the_limits(client, db):
    territories = parameters(client, "/api/v1/territories")
    assert (territories["page"]["minimum"], territories["page"]["maximum"]) == (1, 1_000_000)
    assert territories["level"] == {"$ref": "#/components/schemas/Level", "description": "Niveau des territoires."}
    assert territories["parent"]["pattern"] == TERRITORY_REFERENCE
    assert TERRITORY_REFERENCE == (
        "^(france|region_academique|academie|region|departement|epci|commune|arrondissement):[0-9A-Za-z]{1,12}$"
    )
    assert parameters(client, "/api/v1/schools")["territory"]["type"] == "string"
    assert parameters(client, "/api/v1/schools")["territory"]["pattern"] == TERRITORY_REFERENCE
    assert parameters(client, "/api/v1/geometries/schools")["territory"]["pattern"] == TERRITORY_REFERENCE
    values = parameters(client, "/api/v1/indicators/{slug}/values")
    assert values["parent"]["pattern"] == TERRITORY_REFERENCE
    assert values["level"]["enum"] == [
        "france",
        "region_academique",
        "academie",
        "region",
        "departement",
        "epci",
        "commune",
        "arrondissement",
        "etablissement",
    ]
    tile = parameters(client, "/api/v1/tiles/{level}/{z}/{x}/{y}.mvt")
    assert tile["level"]["const"] == "commune"
    assert [(tile[name]["minimum"], tile[name]["maximum"]) for name in "zxy"] == [(0, 8), (0, 255), (0, 255)]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/schools?territory=commune:", "territory"),
        ("/api/v1/schools?territory=:94028", "territory"),
        ("/api/v1/territories?parent=departement:9%204", "parent"),
        ("/api/v1/geometries/schools?territory=", "territory"),
        ("/api/v1/geometries/commune?parent=departement:", "parent"),
        ("/api/v1/indicators/debit_30/values?level=commune&parent=commune:", "parent"),
    ],
)
def test_reference_outside_its_pattern(client, db, url, name):
    response = client.get(url)

    assert response.status_code == 400
    assert response.json() == {"detail": REFERENCE_ERROR.format(name)}


def test_empty_level_is_a_bad_parameter(client, db):
    response = client.get("/api/v1/territories?level=")

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["query", "level"], "enum")


def test_reference_within_its_pattern_is_served_or_unknown(client, db):
    assert client.get("/api/v1/schools?territory=departement:2A&page_size=1").status_code == 200
    response = client.get("/api/v1/territories?parent=epci:ZZZZZZZZZZZZ")
    assert response.status_code == 404
    assert response.json() == {"detail": "Territoire inconnu : epci:ZZZZZZZZZZZZ"}


def test_document_states_the_rate_limit(client, db, settings):
    """Every operation says it may answer 429 with Retry-After, and an API client over its limit gets exactly that."""
    document = client.get("/api/v1/openapi.json").json()
    operations = [operation for path in document["paths"].values() for operation in path.values()]
    assert len(operations) >= 10
    assert [operation["operationId"] for operation in operations if "429" not in operation["responses"]] == []
    too_many = operations[0]["responses"]["429"]
    assert too_many["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["schemas"]["Error"]["required"] == ["detail"]

    cache.clear()  # the counters: the document's request above counted too
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": 1}
    assert client.get("/api/v1/sources").status_code == 200
    response = client.get("/api/v1/sources")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["detail"].startswith("Trop de requêtes depuis votre adresse : réessayez dans ")
