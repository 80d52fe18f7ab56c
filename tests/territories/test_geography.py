import json

import pytest
import shapely

from edhub.opendata.geography import load_geography
from edhub.territories.academies import ACADEMIES, REGIONS_ACADEMIQUES, academie_of_departement
from edhub.territories.geography import estimated_density_level
from edhub.territories.models import Level, Territory, TerritoryAlias

pytestmark = pytest.mark.django_db


def count(level):
    return Territory.objects.current().filter(level=level).count()


def test_every_level_is_loaded_with_official_counts():
    assert count(Level.FRANCE) == 1
    assert count(Level.REGION_ACADEMIQUE) == 18
    assert count(Level.ACADEMIE) == 30
    assert count(Level.REGION) == 18
    assert count(Level.DEPARTEMENT) == 101
    assert count(Level.EPCI) == 1255
    assert count(Level.COMMUNE) == 34875
    assert count(Level.ARRONDISSEMENT) == 45


def test_academie_table_covers_each_departement_once():
    mapping = academie_of_departement()
    assert len(mapping) == 101
    assert len(ACADEMIES) == 30
    assert {ra for _, ra, _ in ACADEMIES.values()} == set(REGIONS_ACADEMIQUES)
    assert set(mapping) == set(Territory.objects.filter(level=Level.DEPARTEMENT).values_list("code", flat=True))


def test_academie_table_agrees_with_the_official_college_file(opendata):
    """Each collège of the national geolocation file lies in the académie our table gives its département."""
    import csv

    mapping = academie_of_departement()
    with open(opendata / "fr-en-adresse-et-geolocalisation-colleges.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    from edhub.opendata.values import departement_code

    checked = [r for r in rows if departement_code(r["code_departement"]) in mapping]
    assert len(checked) == 7542
    wrong = [
        r["numero_uai"] for r in checked if mapping[departement_code(r["code_departement"])] != r["code_academie"]
    ]
    assert wrong == []


def test_val_de_marne_chain_population_and_contour():
    dep = Territory.objects.get(level=Level.DEPARTEMENT, code="94")
    assert dep.name == "Val-de-Marne"
    assert [t.name for t in dep.ancestors()] == ["Créteil", "Île-de-France", "France"]
    assert Territory.objects.filter(level=Level.COMMUNE, departement=dep).count() == 47
    assert dep.population == 1426929
    assert 240 < dep.area_km2 < 250
    geometry = shapely.from_geojson(dep.geometry)
    assert geometry.is_valid
    assert geometry.contains(shapely.Point(dep.longitude, dep.latitude))


def test_every_commune_has_population_point_and_valid_contour_except_four_restored_communes():
    communes = Territory.objects.filter(level=Level.COMMUNE)
    assert communes.filter(population__isnull=True).count() == 0
    assert sorted(communes.filter(geometry="").values_list("code", flat=True)) == ["15031", "15035", "15047", "15171"]
    sample = communes.exclude(geometry="").order_by("code")[::500]
    for commune in sample:
        assert shapely.from_geojson(commune.geometry).is_valid, commune.code


def test_paris_has_twenty_arrondissements_and_sums_up():
    paris = Territory.objects.get(level=Level.COMMUNE, code="75056")
    arrondissements = paris.children.filter(level=Level.ARRONDISSEMENT)
    assert arrondissements.count() == 20
    assert paris.epci.name == "Métropole du Grand Paris"
    assert paris.academie.name == "Paris"


def test_former_codes_resolve_to_todays_commune():
    # 01340 merged into Arboys en Bugey (01015); 25549 into Val-d'Usiers (25060).
    assert TerritoryAlias.objects.get(code="01340").territory.code == "01015"
    assert TerritoryAlias.objects.get(code="25549").territory.code == "25060"


def test_second_load_is_skipped_by_checksum():
    result = load_geography(progress=False)
    assert result.skipped
    assert result.run.status == "success"


def test_density_is_estimated_until_the_insee_grid_is_imported():
    paris = Territory.objects.get(level=Level.COMMUNE, code="75056")
    assert paris.density_level == 1
    assert paris.density_estimated
    assert estimated_density_level(1000, 40) == 6
    assert estimated_density_level(0, 0) == 7


def test_geojson_is_compact():
    france = Territory.objects.get(level=Level.FRANCE)
    assert json.loads(france.geometry)["type"] in ("Polygon", "MultiPolygon")
    assert len(france.geometry) < 200_000
