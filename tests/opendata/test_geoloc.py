import pytest

from edhub.opendata.importing import run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES
from edhub.schools.models import Funder, Kind, School

pytestmark = pytest.mark.django_db
GEOLOC = "fr-en-adresse-et-geolocalisation-colleges.csv"
LABELLED_HEADER = (
    "Code établissement;Appellation officielle;Dénomination principale;Patronyme uai;Secteur Public/Privé;Adresse;"
    "Lieu dit;Boite postale;Code postal;Localite d'acheminement;Commune;Coordonnee X;Coordonnee Y;EPSG;Latitude;"
    "Longitude;Qualité d'appariement;Localisation;Code nature;Nature;Code état établissement;Etat établissement;"
    "Code département;Code région;Code académie;Code commune;Département;Région;Académie;Position;"
    "secteur_prive_code_type_contrat;secteur_prive_libelle_type_contrat;code_ministere;libelle_ministere;"
    "date_ouverture"
)


def test_national_colleges_are_located_and_funded_by_their_departement():
    run = ImportRun.objects.succeeded().get(source="geoloc")
    assert (run.rows_read, run.rows_rejected) == (7654, 112)
    # What is rejected lies in collectivités d'outre-mer outside the académies (Nouvelle-Calédonie, Polynésie…).
    assert {r["value"][:3] for r in run.rejections} <= {"975", "977", "978", "986", "987", "988"}
    colleges = School.objects.filter(run__source="geoloc")
    assert colleges.count() == 7542
    assert colleges.filter(kind=Kind.COLLEGE).count() == 7542
    assert colleges.filter(latitude__isnull=True).count() == 43  # the file gives no coordinates for them
    jastres = School.objects.get(uai="0071245R")
    assert (jastres.name, jastres.commune.name, jastres.funder) == (
        "Collège de Jastres",
        "Aubenas",
        Funder.DEPARTEMENT,
    )
    assert (round(jastres.latitude, 4), round(jastres.longitude, 4)) == (44.617, 4.3967)
    assert jastres.location_precision == "Parfaite"


def test_labelled_header_gives_the_same_colleges(variant):
    path = variant(GEOLOC, lambda lines: [LABELLED_HEADER, *lines[1:]], suffix="geoloc-labelled.csv")
    run = run_import(SOURCES["geoloc"], path).run
    assert (run.rows_read, run.rows_rejected, run.rows_unchanged) == (7654, 112, 7542)
