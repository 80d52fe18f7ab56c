"""The dossier of a commune: its state machine, who may move it, and the log of every change."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from edhub.accounts.models import Role
from edhub.ami.models import Application
from edhub.schools.models import School
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.ami.factories import campaign_on

DURING_THE_CALL = datetime.date(2026, 2, 1)
State = Application.State


@pytest.fixture
def dossier(db):
    """A complete draft of Marcillé-Raoul (35164) for an open call of the académie de Rennes."""
    campaign = campaign_on(Level.ACADEMIE, "14")
    campaign.open()
    commune = Territory.objects.get(level=Level.COMMUNE, code="35164")
    mayor = agent(Role.COMMUNE, Level.COMMUNE, "35164")
    application = Application.objects.create(
        campaign=campaign,
        commune=commune,
        author=mayor,
        project="Connexion de l'école et espace numérique",
        estimated_cost=42_000,
        contact_name="Camille Martin",
        contact_email="mairie@marcille-raoul.fr",
    )
    application.schools.set(School.objects.filter(commune=commune, sector="public"))
    return application


def submit(application, user):
    return application.move(State.SUBMITTED, user, today=DURING_THE_CALL)


@pytest.mark.django_db
def test_whole_path_is_logged(dossier):
    mayor = dossier.author
    rectorat = agent(Role.ACADEMIE, Level.ACADEMIE, "14")
    submit(dossier, mayor)
    assert dossier.rules_version == 1
    dossier.move(State.IN_INSTRUCTION, rectorat)
    dossier.move(State.CORRECTIONS, rectorat, reason="Joindre la délibération du conseil municipal.")
    submit(dossier, mayor)
    dossier.move(State.IN_INSTRUCTION, rectorat)
    dossier.move(State.ACCEPTED, rectorat)
    dossier.move(State.IN_INSTRUCTION, rectorat, reason="Erreur de coût signalée par la commune.")
    dossier.move(State.REFUSED, rectorat, reason="Coût hors plafond.")
    log = [(e.from_state, e.to_state, e.user.username, e.reason) for e in dossier.events.all()]
    assert log == [
        ("draft", "submitted", "commune-35164", ""),
        ("submitted", "in_instruction", "academie-14", ""),
        ("in_instruction", "corrections", "academie-14", "Joindre la délibération du conseil municipal."),
        ("corrections", "submitted", "commune-35164", ""),
        ("submitted", "in_instruction", "academie-14", ""),
        ("in_instruction", "accepted", "academie-14", ""),
        ("accepted", "in_instruction", "academie-14", "Erreur de coût signalée par la commune."),
        ("in_instruction", "refused", "academie-14", "Coût hors plafond."),
    ]
    assert Application.objects.get(pk=dossier.pk).state == State.REFUSED


@pytest.mark.django_db
def test_incomplete_dossier_cannot_be_submitted_and_says_which_fields(dossier):
    dossier.project, dossier.contact_email = "", ""
    dossier.save()
    dossier.schools.clear()
    with pytest.raises(ValidationError) as error:
        submit(dossier, dossier.author)
    assert error.value.messages == [
        "Dossier incomplet, à renseigner : projet, courriel du contact, écoles concernées."
    ]
    assert dossier.events.count() == 0


@pytest.mark.django_db
def test_submission_outside_the_dates_is_refused(dossier):
    with pytest.raises(ValidationError) as error:
        dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 4, 1))
    assert error.value.messages == ["Les candidatures sont reçues du 05/01/2026 au 31/03/2026, appel ouvert."]


@pytest.mark.django_db
def test_corrected_dossier_comes_back_after_the_closing_date(dossier):
    rectorat = agent(Role.ACADEMIE, Level.ACADEMIE, "14")
    submit(dossier, dossier.author)
    dossier.move(State.IN_INSTRUCTION, rectorat)
    dossier.move(State.CORRECTIONS, rectorat, reason="Préciser le coût par école.")
    dossier.campaign.status = dossier.campaign.Status.CLOSED
    dossier.campaign.save()
    dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 4, 15))
    assert Application.objects.get(pk=dossier.pk).state == State.SUBMITTED
    dossier.estimated_cost = None
    dossier.move(State.IN_INSTRUCTION, rectorat)
    dossier.move(State.CORRECTIONS, rectorat, reason="Coût manquant.")
    with pytest.raises(ValidationError) as error:  # still complete only
        dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 4, 20))
    assert error.value.messages == ["Dossier incomplet, à renseigner : coût estimé."]


@pytest.mark.django_db
def test_commune_outside_the_territory_is_refused(dossier):
    dossier.commune = Territory.objects.get(level=Level.COMMUNE, code="94028")  # Créteil, académie de Créteil
    with pytest.raises(ValidationError) as error:
        dossier.clean()
    assert error.value.message_dict == {"commune": ["Créteil n'est pas dans le territoire de l'appel (Rennes)."]}


@pytest.mark.django_db
def test_who_may_move_a_dossier(dossier):
    other_mayor = agent(Role.COMMUNE, Level.COMMUNE, "35044")
    other_rectorat = agent(Role.ACADEMIE, Level.ACADEMIE, "24")
    reader = agent(Role.READER, Level.DEPARTEMENT, "35")
    for user in (other_mayor, other_rectorat, reader):
        with pytest.raises(PermissionDenied):
            submit(dossier, user)
    submit(dossier, dossier.author)
    with pytest.raises(PermissionDenied):  # a commune does not instruct its own dossier
        dossier.move(State.IN_INSTRUCTION, dossier.author)
    national = agent(Role.NATIONAL)
    dossier.move(State.IN_INSTRUCTION, national)
    with pytest.raises(ValidationError, match="motif écrit est obligatoire"):
        dossier.move(State.REFUSED, national)
    visible = {
        user.username: list(Application.objects.visible_to(user))
        for user in (dossier.author, other_mayor, other_rectorat, reader, national)
    }
    assert visible == {
        "commune-35164": [dossier],
        "commune-35044": [],
        "academie-24": [],
        "lecteur-35": [],
        "national-france": [dossier],
    }
