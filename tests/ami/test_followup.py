"""Follow-up of laureates on real schools: who updates it, what it checks, and how it feeds the observatory."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from edhub.accounts.models import Role
from edhub.accounts.permissions import may
from edhub.ami import followup
from edhub.ami.models import Application
from edhub.indicators.models import IndicatorValue
from edhub.inventories.models import SOURCE, Technology
from edhub.inventories.publishing import publish
from edhub.opendata.models import ImportRun
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.ami.factories import campaign_on, dossier_in
from tests.inventories.utils import inventory_csv, row, upload_file

pytestmark = pytest.mark.django_db

MARCILLE = "35164"  # Marcillé-Raoul (Ille-et-Vilaine, académie de Rennes): one public école
MARCILLE_ECOLE = "0351663T"
CONNECTED = {
    "works": "connected",
    "connected_on": datetime.date(2026, 3, 2),  # rentrée 2025
    "connected_technology": Technology.FIBRE,
    "connected_mbps": 250.0,
}


@pytest.fixture
def laureate():
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine")
    campaign.open()
    return dossier_in(campaign, MARCILLE, state=Application.State.ACCEPTED)


@pytest.fixture
def mayor():
    return agent(Role.COMMUNE, Level.COMMUNE, MARCILLE)


def value(indicator, period="2025", **owner):
    return IndicatorValue.objects.filter(indicator=indicator, period=period, **owner).values_list("value", flat=True)


def concerned_pk(application):
    return application.concerned.get(school_id=MARCILLE_ECOLE).pk


def test_who_updates_the_follow_up(laureate, mayor):
    assert may(mayor, "ami.follow_up", laureate)
    assert may(agent(Role.NATIONAL), "ami.follow_up", laureate)
    assert may(agent(Role.ACADEMIE, Level.ACADEMIE, "14"), "ami.follow_up", laureate)  # Rennes
    assert not may(agent(Role.ACADEMIE, Level.ACADEMIE, "24"), "ami.follow_up", laureate)  # Créteil
    andouille = agent(Role.COMMUNE, Level.COMMUNE, "35003")
    assert not may(andouille, "ami.follow_up", laureate)  # another commune
    assert not may(agent(Role.DEPARTEMENT, Level.DEPARTEMENT, "35"), "ami.follow_up", laureate)
    assert not may(agent(Role.READER, Level.DEPARTEMENT, "35", username="lecteur"), "ami.follow_up", laureate)
    other = dossier_in(laureate.campaign, "35003", state=Application.State.REFUSED)
    assert not may(andouille, "ami.follow_up", other)
    assert not may(agent(Role.NATIONAL, username="national-2"), "ami.follow_up", other)  # not a laureate
    with pytest.raises(PermissionDenied):
        followup.update(laureate, andouille, {})
    with pytest.raises(PermissionDenied, match="Seules les écoles du dossier"):
        followup.update(laureate, mayor, {other.concerned.first().pk: CONNECTED})


def test_a_connected_school_has_a_date_and_a_technology(laureate, mayor):
    today = datetime.date(2026, 11, 30)
    assert followup.check("connected", None, "", None, today) == {
        "connected_on": "Indiquez la date à laquelle l'école a été connectée.",
        "connected_technology": "Indiquez la connexion obtenue.",
    }
    assert followup.check("connected", datetime.date(2026, 12, 1), "aucune", 0.0, today) == {
        "connected_on": "La date de connexion ne peut pas être dans le futur.",
        "connected_technology": "Une école connectée a une connexion : choisissez sa technologie.",
        "connected_mbps": "Un débit mesuré est positif.",
    }
    assert followup.check("works", None, "", None, today) == {}
    with pytest.raises(ValidationError):
        followup.update(laureate, mayor, {concerned_pk(laureate): {**CONNECTED, "connected_on": None}})


def test_stages_and_going_back_to_works(laureate, mayor, django_capture_on_commit_callbacks):
    schools = list(followup.laureate_schools(laureate.campaign))
    assert [(s.school_id, followup.stage_of(s)) for s in schools] == [(MARCILLE_ECOLE, followup.Stage.PLANNED)]
    pk = concerned_pk(laureate)
    assert followup.update(laureate, mayor, {pk: {"works": "works"}}) is None  # nothing for the observatory
    with django_capture_on_commit_callbacks(execute=True):
        run = followup.update(laureate, mayor, {pk: CONNECTED})
    assert (run.source, run.vintage) == (
        SOURCE,
        "Suivi de l'appel « AMI Ille-et-Vilaine », Marcillé-Raoul, rentrée 2025-2026",
    )
    assert run.message == f"Mis à jour par {mayor.username} : {MARCILLE_ECOLE} : connectée le 02/03/2026, " + (
        "Fibre optique (FttH, FttO), 250 Mbit/s"
    )
    counts = followup.stage_counts(followup.laureate_schools(laureate.campaign))
    assert [(stage.label, count) for stage, count in counts] == [
        ("Travaux prévus", 0),
        ("Travaux en cours", 0),
        ("Connectée", 1),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        followup.update(laureate, mayor, {pk: {**CONNECTED, "works": "works"}})
    concerned = laureate.concerned.get()
    assert (concerned.works, concerned.connected_on, concerned.connected_technology, concerned.connected_mbps) == (
        "works",
        None,
        "",
        None,
    )
    assert followup.followed_connections() == []


def test_a_connected_school_changes_the_observatory_until_a_newer_declaration(
    laureate, mayor, django_capture_on_commit_callbacks
):
    marcille = Territory.objects.get(level=Level.COMMUNE, code=MARCILLE)
    declared = {"Technologie de connexion": "cuivre", "Débit descendant mesuré (Mbit/s)": "4"}
    with django_capture_on_commit_callbacks(execute=True):
        publish(upload_file(mayor, inventory_csv([row(MARCILLE_ECOLE, **declared)])), mayor)
    assert list(value("part_debit_mesure_30", school_id=MARCILLE_ECOLE)) == [0.0]
    assert list(value("part_connexion_fibre", territory=marcille)) == [0.0]

    version = ImportRun.objects.data_version()
    with django_capture_on_commit_callbacks(execute=True):
        followup.update(laureate, mayor, {concerned_pk(laureate): CONNECTED})
    assert ImportRun.objects.data_version() != version  # caches keyed by the data version are renewed
    assert list(value("part_debit_mesure_30", school_id=MARCILLE_ECOLE)) == [100.0]
    assert list(value("part_connexion_fibre", school_id=MARCILLE_ECOLE)) == [100.0]
    assert list(value("part_debit_mesure_30", territory=marcille)) == [100.0]
    # The other declared fields of the école stay: 200 pupils for 40 terminals.
    assert list(value("eleves_par_terminal", school_id=MARCILLE_ECOLE)) == [5.0]
    (use,) = followup.observatory_use([MARCILLE_ECOLE]).values()
    assert (use.used, use.connection.rentree, use.connection.download_mbps) == (True, 2025, 250.0)

    # The commune publishes its inventory of that rentrée again, after the works: the declaration is newer.
    with django_capture_on_commit_callbacks(execute=True):
        publish(upload_file(mayor, inventory_csv([row(MARCILLE_ECOLE, **declared)])), mayor)
    assert list(value("part_debit_mesure_30", school_id=MARCILLE_ECOLE)) == [0.0]
    assert not followup.observatory_use([MARCILLE_ECOLE])[MARCILLE_ECOLE].used


def test_a_followed_connection_alone_gives_a_value(laureate, mayor, django_capture_on_commit_callbacks):
    assert not value("part_debit_mesure_30", school_id=MARCILLE_ECOLE).exists()
    with django_capture_on_commit_callbacks(execute=True):
        followup.update(laureate, mayor, {concerned_pk(laureate): {**CONNECTED, "connected_mbps": 20.0}})
    assert list(value("part_debit_mesure_30", school_id=MARCILLE_ECOLE)) == [0.0]  # 20 Mbit/s: under 30
    assert list(value("part_connexion_fibre", school_id=MARCILLE_ECOLE)) == [100.0]
    assert not value("eleves_par_terminal", school_id=MARCILLE_ECOLE).exists()  # nothing else is known
