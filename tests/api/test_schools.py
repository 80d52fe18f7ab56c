import pytest

from tests.schools.factories import SchoolFactory

ETRECHY = {"level": "commune", "code": "9Z001", "name": "Étréchy-la-Forêt"}
FERRY = {
    "uai": "9990001A",
    "name": "École élémentaire Jules Ferry",
    "kind": "ecole_elementaire",
    "nature": "",
    "sector": "public",
    "state": "open",
    "commune": ETRECHY,
    "address": "1 rue Jules Ferry",
    "postcode": "99001",
    "latitude": 48.51,
    "longitude": 2.21,
    "priority_education": "REP",
}


def test_list_in_territory(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/schools?territory=departement:9Z")

    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["page"], data["page_size"]) == (3, 1, 50)
    assert [item["uai"] for item in data["items"]] == ["9990001A", "9990002B", "9990003C"]
    assert data["items"][0] == FERRY


@pytest.mark.parametrize(
    ("query", "uais"),
    [
        ("kind=college", ["9990002B"]),
        ("kind=ecole_elementaire&kind=ecole_primaire", ["9990001A", "9990003C"]),
        ("sector=prive", ["9990003C"]),
        ("q=sainte therese", ["9990003C"]),
        ("q=9990002b", ["9990002B"]),
        ("state=closed", []),
    ],
)
def test_list_filters(client, world, query, uais):
    data = client.get(f"/api/v1/schools?territory=commune:9Z001&{query}").json()

    assert [item["uai"] for item in data["items"]] == uais
    assert data["count"] == len(uais)


def test_list_pagination(client, world):
    data = client.get("/api/v1/schools?territory=academie:A99&page=2&page_size=2").json()

    assert [item["uai"] for item in data["items"]] == ["9990003C"]
    assert (data["count"], data["page"], data["page_size"]) == (3, 2, 2)


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("kind=piscine", ["query", "kind", 0]),
        ("sector=semi", ["query", "sector"]),
        ("page=-1", ["query", "page"]),
        ("page_size=1000", ["query", "page_size"]),
        ("format=xlsx", ["query", "format"]),
    ],
)
def test_list_bad_parameters(client, db, query, location):
    response = client.get(f"/api/v1/schools?{query}")

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert error["loc"] == location


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("territory=94028", 400, "Paramètre territory invalide : attendu niveau:code, par exemple departement:94."),
        ("territory=commune:00000", 404, "Territoire inconnu : commune:00000"),
    ],
)
def test_list_bad_territory(client, db, query, status, detail):
    response = client.get(f"/api/v1/schools?{query}")

    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_csv_export(client, world):
    SchoolFactory(
        uai="9990004D",
        name='Lycée "Les Pins"; annexe',
        kind="lycee_gt",
        commune=world.bourg,
        address="4 allée des Pins",
        postcode="99002",
    )

    response = client.get("/api/v1/schools?territory=departement:9Z&format=csv&page_size=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ecoles-departement-9Z.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffuai;nom;type;")
    lines = body[1:].split("\r\n")
    assert lines[0] == (
        "uai;nom;type;nature;secteur;etat;code_commune;commune;adresse;code_postal;latitude;longitude;"
        "precision_localisation;education_prioritaire;financeur"
    )
    # All the rows, whatever page_size says; values with the separator or quotes are quoted.
    assert lines[1:] == [
        "9990001A;École élémentaire Jules Ferry;École élémentaire;;Public;Ouvert;9Z001;Étréchy-la-Forêt;"
        "1 rue Jules Ferry;99001;48,51;2,21;Numéro de rue;REP;Commune",
        "9990002B;Collège Albert Schweitzer;Collège;;Public;Ouvert;9Z001;Étréchy-la-Forêt;"
        "2 avenue du Général de Gaulle;99001;;;;;Département",
        "9990003C;École Sainte-Thérèse;École primaire;;Privé;Ouvert;9Z001;Étréchy-la-Forêt;"
        "3 place de l'Église;99001;;;;;Non applicable",
        '9990004D;"Lycée ""Les Pins""; annexe";Lycée général et technologique;;Public;Ouvert;9Z002;Bourg-Neuf;'
        "4 allée des Pins;99002;;;;;Région",
        "",
    ]


def test_school_detail(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/schools/9990001a")

    assert response.status_code == 200
    data = response.json()
    checksum = world.directory.checksum
    assert data == {
        **FERRY,
        "nature_code": "",
        "private_contract": "",
        "funder": "commune",
        "location_precision": "Numéro de rue",
        "rpi_concentrated": False,
        "rpi_dispersed": False,
        "email": "",
        "phone": "",
        "website": "",
        "opened_on": None,
        "provenance": {
            "source": "annuaire",
            "title": "Annuaire de l'éducation",
            "vintage": "2026-01-15",
            "imported_at": data["provenance"]["imported_at"],
            "checksum": checksum,
        },
        "figures": [
            {
                "variable": "ips",
                "label": "Indice de position sociale",
                "rentree": 2022,
                "value": 100.0,
                "status": "",
                "source": "ips-ecoles",
                "vintage": "2022",
            },
            {
                "variable": "pupils",
                "label": "Élèves",
                "rentree": 2022,
                "value": 200.0,
                "status": "",
                "source": "effectifs-ecoles",
                "vintage": "2022",
            },
        ],
    }
    assert data["provenance"]["imported_at"].startswith(world.directory.finished_at.date().isoformat())


def test_school_detail_not_significant(client, world):
    figures = client.get("/api/v1/schools/9990003C").json()["figures"]

    assert {"variable": "ips", "value": None, "status": "NS"}.items() <= figures[0].items()


def test_unknown_school(client, db):
    response = client.get("/api/v1/schools/0000000Z")

    assert response.status_code == 404
    assert response.json() == {"detail": "École ou établissement inconnu : 0000000Z"}


def test_null_character_is_a_bad_parameter(client, db):
    response = client.get("/api/v1/schools?q=a%00b")

    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", "q"]
