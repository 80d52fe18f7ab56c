import pytest

from edhub.indicators.engine import compute
from tests.territories.factories import TerritoryAliasFactory, TerritoryFactory
from tests.www.utils import text_of, title_of

KEY_FIGURES = ["eleves_etablissements", "ips_etablissements", "debit_30", "logements"]


def test_departement_page(client, world, django_assert_max_num_queries):
    compute(["etablissements", "ecoles", "colleges", "lycees", *KEY_FIGURES])
    # The observatory adds one query for its indicators, one per children table (the values of its chart and its
    # counts of schools) and one for the indicators of the schools listed.
    with django_assert_max_num_queries(19):
        response = client.get("/territoires/departement/9Z/")

    assert response.status_code == 200
    assert title_of(response) == "Val-d'Évian (Département) — edhub"
    text = text_of(response)
    assert "Accueil France Région académique d'Essai Académie d'Éole Val-d'Évian" in text
    assert "Département Code officiel : 9Z" in text
    # Key figures, each with its coverage and its source.
    assert "Population municipale 150 000 Référentiel géographique" in text
    assert "Superficie 1 000,0 km²" in text
    assert "Densité de population 150 hab./km²" in text
    assert "Communes rurales (grille communale INSEE) 1 sur 2 21,5 % de la population, 1 niveau estimé" in text
    # Counts of schools, where a loaded source lists them all: the directory lists écoles and collèges of 9Z, no
    # source its lycées.
    assert (
        "Écoles et établissements (hors fermés) (2026) 3 établissements Couverture partielle Couverture 66,7 % "
        "Annuaire de l'éducation, millésime 2026-01-15" in text
    )
    assert "Écoles (hors fermés) (2026) 2 écoles Couverture 100 % Annuaire de l'éducation" in text
    assert (
        "Lycées (hors fermés) N.C. Aucune source chargée ne recense tous les lycées de ce territoire "
        "(couverture nulle) Annuaire de l'éducation" in text
    )
    # Pupils, IPS and Arcep figures: the values of the observatory's indicators, with the coverage they state.
    assert (
        "Élèves (rentrée 2022) 950 Couverture 100 % des écoles et établissements "
        "Effectifs d'élèves et nombre de classes des écoles" in text
    )
    # The IPS of an école describes its élémentaire pupils, unknown for Jules Ferry: the plain mean of the école
    # and the collège, (100 + 110) / 2; Sainte-Thérèse (IPS « NS ») counts in the coverage only.
    assert (
        "Indice de position sociale (IPS) moyen (rentrée 2022) 105,0 Couverture partielle Moyenne non pondérée "
        "(effectifs inconnus pour une partie d’entre eux) de 2 établissements, couverture 66,7 %" in text
    )
    assert (
        "Locaux (logements et établissements) (2019-09-30) 25 000 Couverture 100 % de la population "
        "Arcep – Ma connexion internet : débits par commune" in text
    )
    assert (
        "Locaux éligibles à 30 Mbit/s ou plus (2019-09-30) 14 500 (58,0 %) Couverture 100 % de la population" in text
    )
    # Loaded elsewhere, not here: N.C. with the reason, never 0.
    assert "Logements N.C. Aucune donnée chargée pour ce territoire Arcep – Observatoire" in text
    # Schools by kind and sector.
    assert "École élémentaire 1 0 1 École primaire 0 1 1 Collège 1 0 1 Total 2 1 3" in text
    # Children, most populated first, with their schools.
    assert "Communes (2)" in text
    assert (
        "1 Bourg-Neuf 9Z002 45 000 0 (couverture 66,7 %) 2 Étréchy-la-Forêt 9Z001 12 345 3 (couverture 66,7 %)" in text
    )
    # Schools of the territory, with the CSV export of the same selection.
    assert "3 écoles et établissements de Val-d'Évian" in text
    assert "Collège Albert Schweitzer 9990002B Collège Public Étréchy-la-Forêt Ouvert" in text
    assert 'href="/api/v1/schools?territory=departement%3A9Z&amp;format=csv"' in response.content.decode()


def test_school_filters(client, world):
    response = client.get("/territoires/departement/9Z/?kind=college&sector=public")

    text = text_of(response)
    assert "1 école ou établissement de Val-d'Évian" in text
    assert "Collège Albert Schweitzer" in text
    assert "Jules Ferry" not in text
    html = response.content.decode()
    assert '<option value="college" selected>Collège</option>' in html
    assert (
        'href="/api/v1/schools?territory=departement%3A9Z&amp;kind=college&amp;sector=public&amp;format=csv"' in html
    )


def test_invalid_filter_is_ignored(client, world):
    response = client.get("/territoires/departement/9Z/?kind=piscine")

    assert response.status_code == 200
    assert "3 écoles et établissements de Val-d'Évian" in text_of(response)


def test_commune_page(client, world):
    compute(["debit_30"])
    text = text_of(client.get("/territoires/commune/9Z001/"))

    assert "Accueil France Région académique d'Essai Académie d'Éole Val-d'Évian Étréchy-la-Forêt" in text
    assert "Niveau de densité (grille communale INSEE) Rural à habitat dispersé INSEE" in text
    assert "millésime 2025" in text
    assert "Locaux éligibles à 30 Mbit/s ou plus (2019-09-30) 4 500 (90,0 %) Couverture 100 % de la population" in text
    # Indicators not computed yet: N.C., saying so.
    assert (
        "Élèves N.C. Aucune valeur calculée : donnée non chargée ou indicateur pas encore calculé (edhub compute)"
        in text
    )
    assert "Arrondissements" not in text


def test_estimated_density_and_missing_figures(client, world):
    compute(["eleves_etablissements", "ips_etablissements"])
    text = text_of(client.get("/territoires/commune/9Z002/"))

    assert (
        "Niveau de densité (grille communale INSEE) Centres urbains intermédiaires (estimé) Estimé : la grille "
        "communale de densité n’est pas chargée N.C." in text
    )
    # No school here: N.C., saying why, with the sources the indicators read.
    assert (
        "Élèves N.C. Aucun effectif chargé pour ce territoire Effectifs d'élèves et nombre de classes des écoles, "
        "millésime 2022 Indice de position sociale (IPS) moyen N.C. Aucun IPS chargé pour ce territoire "
        "Indice de position sociale des écoles, millésime 2022" in text
    )
    assert "0 école ou établissement de Bourg-Neuf" in text


def test_children_pagination(client, world):
    TerritoryFactory.create_batch(
        55,
        population=10,
        parent=world.departement,
        departement=world.departement,
        academie=world.academie,
        region_academique=world.region_academique,
    )

    response = client.get("/territoires/departement/9Z/?page_commune=2")

    text = text_of(response)
    assert "Communes (57)" in text
    assert "(page 2 sur 2)" in text
    assert "Étréchy-la-Forêt" not in text.split("Communes (57)")[1].split("Écoles et établissements")[0]
    assert " 51 " in text
    assert " 57 " in text
    assert 'href="?page_commune=1"' in response.content.decode()


def test_former_code_redirects(client, world):
    TerritoryAliasFactory(code="9Z999", territory=world.etrechy)

    response = client.get("/territoires/commune/9Z999/")

    assert response.status_code == 301
    assert response["Location"] == "/territoires/commune/9Z001/"


@pytest.mark.parametrize("path", ["/territoires/commune/00000/", "/territoires/planete/9Z/"])
def test_unknown_territory(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Page non trouvée" in text_of(response)


def test_territories_entry_is_france(client, db):
    response = client.get("/territoires/")

    assert response.status_code == 302
    assert response["Location"] == "/territoires/france/FR/"


def test_france_page(client, world, django_assert_max_num_queries):
    compute(["etablissements", "ecoles", "colleges", "lycees"])
    # As the département's, and the number of départements of France, said beside its counts of schools.
    with django_assert_max_num_queries(18):
        response = client.get("/territoires/france/FR/")

    text = text_of(response)
    assert "Régions académiques (19)" in text
    assert "Région académique d'Essai R99 300 000 3 (couverture 66,7 %)" in text
    # France's écoles: those of Val-de-Marne (directory), Ille-et-Vilaine (effectifs) and the made-up 9Z.
    assert (
        "Écoles (hors fermés) (2026) 1 334 écoles Couverture partielle Couverture 2,9 % : recensement complet des "
        "écoles dans 3 départements sur 102" in text
    )
    assert "Collèges (hors fermés) (2026) 7 543 collèges Couverture 100 % : recensement complet" in text
