import datetime

from edhub.opendata.models import ImportRun
from edhub.schools.models import School
from edhub.territories.models import Territory, TerritoryFigure
from tests.www.utils import text_of


def test_what_is_loaded(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        response = client.get("/")

    text = text_of(response)
    checksum = world.directory.checksum
    assert "Annuaire de l'éducation annuaire.csv 2026-01-15" in text
    assert checksum[:12] in text
    assert checksum[12:] not in text
    communes = Territory.objects.current().filter(level="commune").count()
    assert f"Commune {communes:,}".replace(",", " ") in text
    assert "Données manquantes" not in text


def test_where_every_school_of_a_kind_is_listed(client, db, computed):
    """The directory lists the écoles of Val-de-Marne, the effectifs file those of Ille-et-Vilaine, the geolocation
    file the collèges of every département: the écoles known elsewhere come from the IPS file only."""
    text = text_of(client.get("/"))

    assert "Type Connus Recensement complet École maternelle 429 2 départements sur 101" in text
    assert "École primaire 19 513 2 départements sur 101 Collège 7 542 101 départements sur 101 Total 40 080" in text


def test_nothing_loaded(client, db):
    School.objects.all().delete()
    TerritoryFigure.objects.all().delete()
    Territory.objects.update(valid_to=datetime.date(2020, 1, 1))
    ImportRun.objects.all().delete()

    text = text_of(client.get("/"))

    assert "Données manquantes" in text
    assert "Référentiel géographique (communes, EPCI, départements, académies) : lancez edhub setup" in text
    assert "Répertoire des écoles et établissements : lancez edhub fetch && edhub import" in text
    assert "Aucun import n’a encore été fait." in text
    assert "Commune 0" in text
    assert "Aucune école ni aucun établissement chargé." in text
    assert "Coordonnées géographiques 0 N.C." in text
