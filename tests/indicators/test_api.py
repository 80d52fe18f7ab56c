"""The indicator API (/api/v1/indicators) and indicators_for, on the made-up world (tests/schools/factories.py)."""

import pytest
from django.db.models import Sum

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.engine import compute
from edhub.indicators.queries import indicators_for
from edhub.opendata.provenance import SourceInfo
from edhub.territories.models import Level, TerritoryFigure
from edhub.territories.queries import get_territory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]

DEBIT_30 = "Part des locaux éligibles à 30 Mbit/s (très haut débit) ou plus"


@pytest.fixture
def computed_world(world):
    compute(["debit_30", "ecoles", "ips_ecoles"])
    return world


def test_catalogue(client):
    response = client.get("/api/v1/indicators")

    assert response.status_code == 200
    items = response.json()
    assert [item["slug"] for item in items] == list(CATALOGUE)
    assert items[list(CATALOGUE).index("debit_30")] == {
        "slug": "debit_30",
        "label": DEBIT_30,
        "definition": (
            "Part des locaux (logements et locaux professionnels) éligibles à un débit descendant d'au moins 30 "
            "Mbit/s (très haut débit) par un réseau filaire (DSL, câble, fibre), toutes technologies confondues : "
            "somme des locaux éligibles divisée par la somme des locaux des communes."
        ),
        "unit": "%",
        "theme": "Connectivité",
        "sources": [
            {
                "slug": "arcep-debit",
                "title": "Arcep – Ma connexion internet : débits par commune",
                "licence": "Licence Ouverte / Etalab 2.0",
                "dataset_url": "https://www.data.gouv.fr/fr/datasets/ma-connexion-internet/",
            }
        ],
        "period_rule": "Date d'arrêté des statistiques Arcep « Ma connexion internet » (fin de trimestre).",
        "coverage_rule": "Part de la population vivant dans une commune couverte par les statistiques Arcep.",
        "levels": [
            "france",
            "region_academique",
            "academie",
            "region",
            "departement",
            "epci",
            "commune",
            "arrondissement",
        ],
        "aggregation": "share",
        "aggregation_label": "Part (ratio des sommes)",
        "direction": "higher_is_better",
        "decimals": 1,
    }


def test_detail_with_periods(client, computed_world):
    data = client.get("/api/v1/indicators/ips_ecoles").json()

    assert data["slug"] == "ips_ecoles"
    assert data["aggregation"] == "weighted_mean"
    assert data["levels"][-1] == "etablissement"
    assert data["periods"] == ["2022", "2021"]
    assert data["computed_at"] is not None


def test_values_of_the_communes_of_a_departement(client, computed_world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/indicators/debit_30/values?level=commune&parent=departement:9Z")

    assert response.status_code == 200
    assert response.json() == {
        "indicator": "debit_30",
        "period": "2019-09-30",
        "level": "commune",
        "values": [
            {
                "code": "9Z001",
                "name": "Étréchy-la-Forêt",
                "value": 90.0,
                "coverage": 1.0,
                "coverage_status": "complete",
            },
            {"code": "9Z002", "name": "Bourg-Neuf", "value": 50.0, "coverage": 1.0, "coverage_status": "complete"},
        ],
    }


def test_values_of_schools_and_not_communicated_ones(client, computed_world):
    data = client.get("/api/v1/indicators/ips_ecoles/values?level=etablissement&parent=commune:9Z001").json()

    # The collège is not an école; Sainte-Thérèse's IPS is not significant: N.C.
    assert data == {
        "indicator": "ips_ecoles",
        "period": "2022",
        "level": "etablissement",
        "values": [
            {
                "code": "9990001A",
                "name": "École élémentaire Jules Ferry",
                "value": 100.0,
                "coverage": 1.0,
                "coverage_status": "complete",
            },
            {
                "code": "9990003C",
                "name": "École Sainte-Thérèse",
                "value": None,
                "coverage": None,
                "coverage_status": None,
            },
        ],
    }


def test_counts_are_integers(client, computed_world):
    data = client.get("/api/v1/indicators/ecoles/values?level=departement&parent=academie:A99").json()
    assert data["values"] == [
        {"code": "9Z", "name": "Val-d'Évian", "value": 2, "coverage": 1.0, "coverage_status": "complete"}
    ]


def test_values_of_an_older_period(client, computed_world):
    data = client.get("/api/v1/indicators/ips_ecoles/values?level=commune&parent=departement:94&period=2021").json()
    assert data["period"] == "2021"
    assert len(data["values"]) == 47
    creteil = next(item for item in data["values"] if item["code"] == "94028")
    assert creteil["name"] == "Créteil"
    assert 80 < creteil["value"] < 130


def test_csv(client, computed_world):
    response = client.get("/api/v1/indicators/debit_30/values?level=commune&parent=departement:9Z&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == ('attachment; filename="debit_30_commune_departement-9Z_2019-09-30.csv"')
    assert response.content.decode("utf-8") == (
        f"\ufeffcode;nom;{DEBIT_30} (%);couverture;statut de la couverture\r\n"
        "9Z001;Étréchy-la-Forêt;90,0;1,0;complète\r\n9Z002;Bourg-Neuf;50,0;1,0;complète\r\n"
    )
    schools = client.get(
        "/api/v1/indicators/ips_ecoles/values?level=etablissement&parent=commune:9Z001&format=csv"
    ).content.decode()
    assert (
        schools.splitlines()[-1] == "9990003C;École Sainte-Thérèse;;;N.C. : aucune donnée chargée pour ce territoire"
    )


@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/api/v1/indicators/nope", 404, "Indicateur inconnu : nope"),
        ("/api/v1/indicators/nope/values?level=commune", 404, "Indicateur inconnu : nope"),
        (
            "/api/v1/indicators/ips_ecoles_ecart_academie/values?level=academie",
            400,
            "Niveau « academie » indisponible pour cet indicateur. Niveaux : departement, epci, commune, "
            "arrondissement, etablissement.",
        ),
        (
            "/api/v1/indicators/debit_30/values?level=etablissement",
            400,
            "Niveau « etablissement » indisponible pour cet indicateur. Niveaux : france, region_academique, "
            "academie, region, departement, epci, commune, arrondissement.",
        ),
        (
            "/api/v1/indicators/debit_30/values?level=commune&period=1999",
            400,
            "Période « 1999 » inconnue pour cet indicateur. Périodes : 2019-09-30.",
        ),
        (
            "/api/v1/indicators/debit_30/values?level=commune&parent=departement:ZZ",
            404,
            "Territoire inconnu : departement:ZZ",
        ),
        (
            "/api/v1/indicators/debit_30/values?level=commune&parent=94",
            400,
            "Paramètre parent invalide : attendu niveau:code, par exemple departement:94.",
        ),
    ],
)
def test_errors(client, url, status, detail):
    response = client.get(url)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_level_is_required(client):
    response = client.get("/api/v1/indicators/debit_30/values")
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", "level"]


def test_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/indicators", "/api/v1/indicators/{slug}", "/api/v1/indicators/{slug}/values"} <= set(paths)


def test_indicators_for_a_commune_beside_its_parents(computed_world, django_assert_num_queries):
    etrechy = get_territory(Level.COMMUNE, "9Z001")
    with django_assert_num_queries(1):
        entries = {entry["indicator"].slug: entry for entry in indicators_for(etrechy)}

    assert list(entries) == [slug for slug, i in CATALOGUE.items() if Level.COMMUNE in i.levels]
    debit = entries["debit_30"]
    figures = TerritoryFigure.objects.filter(period="2019-09-30", territory__level=Level.COMMUNE)
    eligible = figures.filter(variable="locaux_ge_30").aggregate(total=Sum("value"))["total"]
    premises = figures.filter(variable="locaux").aggregate(total=Sum("value"))["total"]
    assert {key: debit[key] for key in ("period", "value", "coverage", "note", "numerator", "denominator")} == {
        "period": "2019-09-30",
        "value": 90.0,
        "coverage": 1.0,
        "note": "",
        "numerator": 4500.0,
        "denominator": 5000.0,
    }
    assert [(c["territory"].code, c["value"], c["coverage"]) for c in debit["comparisons"]] == [
        ("9Z", 58.0, 1.0),
        ("A99", 58.0, 1.0),
        ("R99", 58.0, 1.0),
        ("FR", pytest.approx(100 * eligible / premises), pytest.approx(1.0, abs=1e-3)),
    ]
    assert debit["sources"] == [
        SourceInfo(
            slug="arcep-debit",
            title="Arcep – Ma connexion internet : débits par commune",
            licence="Licence Ouverte / Etalab 2.0",
            dataset_url="https://www.data.gouv.fr/fr/datasets/ma-connexion-internet/",
        )
    ]
    assert debit["history"] == [{"period": "2019-09-30", "value": 90.0, "coverage": 1.0}]
    assert entries["ips_ecoles"]["history"] == [{"period": "2022", "value": 100.0, "coverage": 0.5}]
    # Never computed here: nothing is known, "N.C." everywhere.
    lycees = entries["ips_lycees"]
    assert (lycees["period"], lycees["value"]) == (None, None)
    assert {c["value"] for c in lycees["comparisons"]} == {None}


def test_indicators_for_an_academie_leaves_out_the_gaps_to_itself(computed_world):
    slugs = {entry["indicator"].slug for entry in indicators_for(get_territory(Level.ACADEMIE, "A99"))}
    assert "ips_ecoles" in slugs
    assert "ips_ecoles_ecart_france" in slugs
    assert "ips_ecoles_ecart_academie" not in slugs


def test_values_of_an_indicator_never_computed_are_all_not_communicated(client):
    data = client.get("/api/v1/indicators/ips_lycees/values?level=region_academique").json()

    assert (data["indicator"], data["period"], data["level"]) == ("ips_lycees", None, "region_academique")
    assert len(data["values"]) == 18
    assert {(item["value"], item["coverage"]) for item in data["values"]} == {(None, None)}
