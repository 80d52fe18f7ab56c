import json

import pytest

from tests.territories.factories import TerritoryAliasFactory

ACADEMIE = {"level": "academie", "code": "A99", "name": "Académie d'Éole"}
REGION_ACADEMIQUE = {"level": "region_academique", "code": "R99", "name": "Région académique d'Essai"}
FRANCE = {"level": "france", "code": "FR", "name": "France"}
DEPARTEMENT = {"level": "departement", "code": "9Z", "name": "Val-d'Évian"}
NOT_COMPUTED = {
    "value": None,
    "coverage": None,
    "coverage_status": None,
    "period": None,
    "reason": "aucune donnée chargée pour ce territoire",
}


def test_departement_detail(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/territories/departement/9Z")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        **DEPARTEMENT,
        "population": 150_000,
        "area_km2": 1000.0,
        "centroid": None,
        "density": None,
        "valid_from": None,
        "valid_to": None,
        "successor": None,
        "parents": [ACADEMIE, REGION_ACADEMIQUE, FRANCE],
        "children": [
            {"level": "commune", "code": "9Z002", "name": "Bourg-Neuf", "population": 45_000},
            {"level": "commune", "code": "9Z001", "name": "Étréchy-la-Forêt", "population": 12_345},
        ],
        "schools": {
            "total": 3,
            "public": 2,
            "prive": 1,
            "by_kind": {"ecole_elementaire": 1, "ecole_primaire": 1, "college": 1},
            "counted": dict.fromkeys(("etablissements", "ecoles", "colleges", "lycees"), NOT_COMPUTED),
        },
        "geometry": None,
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("computed")
def test_school_counts_say_their_coverage(client):
    """The observatory's counts come with their coverage on the real extracts: France's écoles are those of the 2
    départements whose sources list them all (of 101), its lycées are N.C. (no loaded source lists them)."""
    france = client.get("/api/v1/territories/france/FR").json()["schools"]

    assert france["counted"]["ecoles"] == {
        "value": 1332.0,
        "coverage": pytest.approx(2 / 101, abs=1e-4),
        "coverage_status": "partial",
        "period": "2026",
        "reason": None,
    }
    assert france["counted"]["colleges"] == {
        "value": 7542.0,
        "coverage": 1.0,
        "coverage_status": "complete",
        "period": "2026",
        "reason": None,
    }
    assert france["counted"]["lycees"] == {
        "value": None,
        "coverage": 0.0,
        "coverage_status": None,
        "period": "2026",
        "reason": "aucune source chargée ne couvre ce territoire (couverture nulle)",
    }
    val_de_marne = client.get("/api/v1/territories/departement/94").json()["schools"]["counted"]
    assert val_de_marne["ecoles"]["value"] == 652.0
    assert val_de_marne["ecoles"]["coverage_status"] == "complete"


def test_commune_detail_with_geometry(client, world):
    contour = {"type": "Polygon", "coordinates": [[[2.2, 48.5], [2.3, 48.5], [2.3, 48.6], [2.2, 48.5]]]}
    world.etrechy.geometry = json.dumps(contour)
    world.etrechy.save()

    data = client.get("/api/v1/territories/commune/9Z001?geometry=true").json()

    assert data["centroid"] == {"latitude": 48.5, "longitude": 2.2}
    assert data["density"] == {"level": 6, "label": "Rural à habitat dispersé", "rural": True, "estimated": False}
    assert data["parents"] == [DEPARTEMENT, ACADEMIE, REGION_ACADEMIQUE, FRANCE]
    assert data["children"] == []
    assert data["schools"]["total"] == 3
    assert data["geometry"] == contour
    # Without the parameter the contour is left out.
    assert client.get("/api/v1/territories/commune/9Z001").json()["geometry"] is None


def test_estimated_density(client, world):
    data = client.get("/api/v1/territories/commune/9Z002").json()

    assert data["density"] == {
        "level": 2,
        "label": "Centres urbains intermédiaires",
        "rural": False,
        "estimated": True,
    }
    assert data["schools"] == {
        "total": 0,
        "public": 0,
        "prive": 0,
        "by_kind": {},
        "counted": dict.fromkeys(("etablissements", "ecoles", "colleges", "lycees"), NOT_COMPUTED),
    }


def test_former_commune_code_gives_todays_commune(client, world):
    TerritoryAliasFactory(code="9Z999", territory=world.etrechy)

    data = client.get("/api/v1/territories/commune/9Z999").json()

    assert (data["code"], data["name"]) == ("9Z001", "Étréchy-la-Forêt")


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v1/territories/commune/00000", "Territoire inconnu : commune/00000"),
        ("/api/v1/territories/planete/9Z", "Territoire inconnu : planete/9Z"),
    ],
)
def test_unknown_territory(client, db, path, detail):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": detail}


def test_list_inside_parent(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/territories?parent=departement:9Z&level=commune")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "level": "commune",
                "code": "9Z002",
                "name": "Bourg-Neuf",
                "population": 45_000,
                "area_km2": 20.0,
                "parent": DEPARTEMENT,
            },
            {
                "level": "commune",
                "code": "9Z001",
                "name": "Étréchy-la-Forêt",
                "population": 12_345,
                "area_km2": 10.5,
                "parent": DEPARTEMENT,
            },
        ],
        "count": 2,
        "page": 1,
        "page_size": 50,
    }


def test_list_pagination_and_search(client, world):
    page = client.get("/api/v1/territories?parent=region_academique:R99&page=2&page_size=2").json()
    # Inside the région académique: its académie, its département and the two communes, most populated first.
    assert page["count"] == 4
    assert [item["code"] for item in page["items"]] == ["9Z002", "9Z001"]
    assert (page["page"], page["page_size"]) == (2, 2)

    found = client.get("/api/v1/territories?q=etrechy la foret").json()
    assert [item["name"] for item in found["items"]] == ["Étréchy-la-Forêt"]

    past_the_end = client.get("/api/v1/territories?parent=departement:9Z&page=9").json()
    assert past_the_end["items"] == []
    assert past_the_end["count"] == 2


def test_list_bad_level(client, db):
    response = client.get("/api/v1/territories?level=planete")

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "level"]
    assert error["type"] == "enum"


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("parent=9Z", 400, "Paramètre parent invalide : attendu niveau:code, par exemple departement:94."),
        ("parent=planete:9Z", 400, "Paramètre parent invalide : attendu niveau:code, par exemple departement:94."),
        ("parent=departement:00", 404, "Territoire inconnu : departement:00"),
    ],
)
def test_list_bad_parent(client, db, query, status, detail):
    response = client.get(f"/api/v1/territories?{query}")

    assert response.status_code == status
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=0", "page_size=501"])
def test_list_bad_pagination(client, db, query):
    response = client.get(f"/api/v1/territories?{query}")

    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"][0] == "query"
