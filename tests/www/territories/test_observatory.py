"""The observatory on the territory sheets: indicators beside the parents and France, ranking, charts, exports.

On the real data: the indicators of the session (tests/conftest.py) computed on the real geography and extracts.
"""

import json
import re

import pytest
from django.utils import timezone

from edhub.indicators.models import IndicatorValue
from edhub.territories.models import Level, Territory
from tests.www.utils import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]


def chart_data(response, chart_id):
    html = response.content.decode()
    return json.loads(
        re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html).group(1)
    )


def test_sheet_shows_indicators_beside_parents_and_france(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(22):
        response = client.get("/territoires/departement/94/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Indicateurs de l’observatoire" in text
    # One table per theme; the columns: the département, its académie, its région académique, France.
    assert "Écoles et établissements Indicateur Val-de-Marne Créteil Île-de-France France Période" in text
    assert (
        "Écoles 1 652 écoles couverture 100 % 652 écoles couverture 33,3 % Couverture partielle "
        "652 écoles couverture 12,5 % Couverture partielle 1 332 écoles couverture 2 % "
        "Couverture partielle 2026" in text
    )
    # No loaded source lists the lycées: N.C. at every level, with the reason, never « 0 lycées ».
    unknown = "N.C. Aucune donnée chargée pour ce territoire"
    nobody = "N.C. Aucune source chargée ne couvre ce territoire (couverture nulle)"
    registry = "Répertoire des écoles et établissements (annuaire, géolocalisation, IPS et effectifs)"
    assert f"Lycées 1 {nobody} {nobody} {nobody} {nobody} 2026" in text
    # Each table names its sources once, below it; a row header carries the number of its sources.
    assert (
        f"Lycées privés 1 {unknown} {unknown} {unknown} {unknown} N.C. Source : {registry}. Élèves et classes" in text
    )
    assert (
        "Sources : Effectifs d'élèves et nombre de classes des écoles ; Indice de position sociale des collèges "
        "Effectifs d'élèves et nombre de classes des écoles Indice de position sociale des collèges "
        "Indice de position sociale Indicateur" in text
    )
    assert "Population municipale 1 1 426 929 habitants couverture 100 % 4 599 353 habitants couverture 100 %" in text
    assert "68 350 798 habitants couverture 100 % 2026" in text
    # A note says how a value was obtained; coverage is a share of the schools behind it.
    assert (
        "IPS moyen des écoles 2 105,7 IPS couverture 98 % Couverture partielle Moyenne simple : "
        "effectifs inconnus pour une partie des écoles" in text
    )
    # An indicator that does not exist at a parent's level, and one not computed in this session.
    assert "Écart de l'IPS moyen des écoles à celui de l'académie" in text
    assert (
        "4,3 points d'IPS couverture 98 % Couverture partielle Moyenne simple : effectifs inconnus pour une partie "
        "des écoles — — —" in text
    )
    assert (
        "Sources : Indice de position sociale des écoles ; Effectifs d'élèves et nombre de classes des écoles ; "
        "Indice de position sociale des collèges ; Indice de position sociale des lycées "
        "Indice de position sociale des écoles ; Effectifs d'élèves et nombre de classes des écoles "
        "Indice de position sociale des écoles Indice de position sociale des collèges" in text
    )
    assert (
        "Sources : Référentiel géographique : Code officiel géographique et populations légales (INSEE) "
        "Référentiel géographique : Code officiel géographique et populations légales (INSEE) ; "
        "INSEE – Grille communale de densité Connectivité" in text
    )
    # The numbers are the items of the numbered list below the table.
    html = " ".join(response.content.decode().split())
    assert '<a href="#sources-3" title="Source 1 : Indice de position sociale des écoles ; Effectifs' in html
    # The comparison of the département with its académie.
    assert 'href="/comparer/?t=departement%3A94&amp;t=academie%3A24"' in response.content.decode()


def test_sheet_says_when_nothing_is_computed(client):
    IndicatorValue.objects.all().delete()

    text = text_of(client.get("/territoires/commune/94028/"))

    assert (
        "Indicateurs de l’observatoire Indicateurs pas encore calculés Aucun indicateur de l’observatoire n’a encore "
        "été calculé pour ce territoire. L’administrateur de la plateforme les calcule avec la commande "
        "edhub compute ; ils apparaîtront alors ici." in text
    )
    assert "Classer les territoires par" not in text


def test_children_ranked_by_an_indicator(client):
    response = client.get("/territoires/departement/94/?classement=ips_ecoles")

    text = text_of(response)
    assert (
        "Communes de Val-de-Marne par « IPS moyen des écoles » (2021), de la plus forte valeur à la plus faible "
        "Rang Nom Code IPS moyen des écoles (IPS) Couverture Population Écoles et établissements "
        "1 Nogent-sur-Marne 94052 131,6 100 % 32 455 18 (couverture 66,7 %) 2 Saint-Maur-des-Fossés 94068 131,2 "
        "100 % 76 572 36 (couverture 66,7 %)" in text
    )
    assert "5 Le Perreux-sur-Marne 94058 130,0 85,7 % 35 260 14 (couverture 66,7 %)" in text
    html = response.content.decode()
    assert re.search(r'<option value="ips_ecoles"\s+selected>IPS moyen des écoles</option>', html)
    # Exports of the same values, for the communes of the département.
    assert (
        'href="/api/v1/indicators/ips_ecoles/values?level=commune&amp;parent=departement%3A94&amp;format=xlsx"' in html
    )
    # The chart: every commune with a value, highest first, and the same data as a table.
    data = chart_data(response, "repartition-commune")
    assert data["type"] == "bar"
    assert data["title"] == "Communes de Val-de-Marne : IPS moyen des écoles (IPS), 2021"
    assert (data["labels"][:2], data["values"][:2]) == (["Nogent-sur-Marne", "Saint-Maur-des-Fossés"], [131.6, 131.2])
    assert len(data["values"]) == 47
    assert "Données du graphique (tableau) Communes de Val-de-Marne : IPS moyen des écoles (IPS), 2021 " in text
    assert "Territoire IPS moyen des écoles (IPS) Nogent-sur-Marne 131,6 Saint-Maur-des-Fossés 131,2" in text


def test_default_ranking_is_population_with_its_chart(client):
    response = client.get("/territoires/departement/94/?classement=nope")

    text = text_of(response)
    assert "Communes de Val-de-Marne, de la plus peuplée à la moins peuplée" in text
    assert "1 Vitry-sur-Seine 94081 93 963" in text
    data = chart_data(response, "repartition-commune")
    assert data["labels"][:2] == ["Vitry-sur-Seine", "Créteil"]
    assert data["values"][:2] == [93963, 93397]
    assert 'href="/api/v1/indicators/population/values?level=commune&amp;parent=departement%3A94&amp;format=csv"' in (
        response.content.decode()
    )
    # Chart.js, from npm, only on pages with a chart.
    assert '<script src="/static/vendor/chart.js/chart.umd.min.js" defer></script>' in response.content.decode()


def test_evolution_chart_when_there_are_several_periods(client):
    creteil = Territory.objects.get(level=Level.COMMUNE, code="94028")
    IndicatorValue.objects.create(
        territory=creteil,
        level=Level.COMMUNE,
        indicator="ips_ecoles",
        period="2020",
        value=94.04,
        coverage=1.0,
        computed_at=timezone.now(),
        data_version="test",
    )

    response = client.get("/territoires/commune/94028/")

    data = chart_data(response, "evolution-ips_ecoles")
    assert (data["type"], data["labels"], data["values"]) == ("line", ["2020", "2021"], [94.04, 95.13846153846157])
    assert "Période IPS moyen des écoles (IPS) 2020 94,0 2021 95,1" in text_of(response)


def test_schools_show_their_indicators(client):
    text = text_of(client.get("/territoires/commune/94028/"))

    assert "Nom UAI Type Secteur Commune État Élèves IPS" in text
    assert "ECOLE PRIMAIRE PRIVEE DE MAILLE 0940970U École primaire Privé Créteil Ouvert N.C. 124,6 (2021)" in text
