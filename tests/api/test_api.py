import gzip

from django.utils import timezone

from edhub.indicators.models import IndicatorState
from edhub.opendata.models import ImportRun
from edhub.territories.geography import SOURCE as GEOGRAPHY_SOURCE
from tests.opendata.factories import ImportRunFactory


def test_sources(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/sources")

    assert response.status_code == 200
    by_source = {row["source"]: row for row in response.json()}
    # The world's runs are the latest of their sources; the real geography of the test database is there too.
    assert GEOGRAPHY_SOURCE in by_source
    directory = by_source["annuaire"]
    assert directory == {
        "source": "annuaire",
        "title": "Annuaire de l'éducation",
        "licence": "Licence Ouverte / Etalab 2.0",
        "dataset_url": directory["dataset_url"],
        "vintage": "2026-01-15",
        "file_name": "annuaire.csv",
        "checksum": world.directory.checksum,
        "imported_at": directory["imported_at"],
        "rows_read": 100,
        "rows_created": 100,
        "rows_updated": 0,
        "rows_unchanged": 0,
        "rows_rejected": 0,
    }
    assert directory["dataset_url"].startswith("https://")


def test_index(client, db):
    response = client.get("/api/v1/")

    assert response.json() == {
        "title": "edhub API",
        "version": "1",
        "documentation": "/api/v1/docs",
        "openapi": "/api/v1/openapi.json",
    }


def test_openapi_document(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "edhub API"
    assert document["info"]["version"] == "1"
    assert "API en lecture seule" in document["info"]["description"]
    assert set(document["paths"]) == {
        "/api/v1/territories",
        "/api/v1/territories/{level}/{code}",
        "/api/v1/schools",
        "/api/v1/schools/{uai}",
        "/api/v1/sources",
        "/api/v1/indicators",
        "/api/v1/indicators/{slug}",
        "/api/v1/indicators/{slug}/values",
        "/api/v1/geometries/{level}",
        "/api/v1/geometries/schools",
        "/api/v1/tiles/{level}/{z}/{x}/{y}.mvt",
    }
    list_schools = document["paths"]["/api/v1/schools"]["get"]
    assert {p["name"] for p in list_schools["parameters"]} >= {"territory", "kind", "sector", "page", "format"}
    assert "text/csv" in list_schools["responses"]["200"]["content"]
    assert set(list_schools["responses"]) == {"200", "400", "404", "429"}


def test_docs_without_cdn(client, db):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_unknown_path_is_json_404(client, db):
    for path in ("/api/v1/nope", "/api/v1/schools/9990001A/figures", "/api/v1/territories/commune"):
        response = client.get(path)

        assert response.status_code == 404
        assert response.json() == {"detail": f"Ressource inconnue : {path}"}


def test_responses_are_cached_until_the_next_import(client, world, django_assert_num_queries):
    url = "/api/v1/territories/departement/9Z"
    first = client.get(url)

    # Only the data version is read: the response comes from the cache.
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json; charset=utf-8"

    world.departement.name = "Val-d'Évian-les-Bains"
    world.departement.save()
    assert client.get(url).json()["name"] == "Val-d'Évian"
    ImportRunFactory(source="geographie")
    assert client.get(url).json()["name"] == "Val-d'Évian-les-Bains"


def test_large_answers_are_compressed_for_clients_that_accept_it(client, db):
    url = "/api/v1/schools?territory=departement:94&page_size=200"
    plain = client.get(url)
    compressed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 4
    assert compressed["Vary"] == "Accept-Encoding"


def test_a_computation_renews_cached_answers(client, world):
    before = ImportRun.objects.data_version()
    # The session's indicators (fixture `computed`) may have been computed already: a state per indicator.
    IndicatorState.objects.update_or_create(indicator="population", defaults={"computed_at": timezone.now()})
    assert ImportRun.objects.data_version() != before
