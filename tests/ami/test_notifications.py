"""E-mails of a change of state of a dossier: to its contact and its author, once the change is committed."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from edhub.accounts.models import Role
from edhub.ami.models import Application
from edhub.ami.notifications import notify_state_change, recipients
from edhub.schools.models import School
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.ami.factories import campaign_on

State = Application.State
URL = "https://edhub.example.gouv.fr/ami/candidatures/1/"


@pytest.fixture
def dossier(db):
    """A complete draft of Marcillé-Raoul (35164) for an open call of the académie de Rennes."""
    campaign = campaign_on(Level.ACADEMIE, "14", title="AMI connectivité — académie de Rennes")
    campaign.open()
    commune = Territory.objects.get(level=Level.COMMUNE, code="35164")
    application = Application.objects.create(
        campaign=campaign,
        commune=commune,
        author=agent(Role.COMMUNE, Level.COMMUNE, "35164"),
        project="Raccordement de l'école élémentaire",
        estimated_cost=42_000,
        contact_name="Camille Martin",
        contact_email="mairie@marcille-raoul.fr",
    )
    application.schools.set(School.objects.filter(commune=commune, sector="public"))
    return application


def test_corrections_requested_mail(dossier, django_capture_on_commit_callbacks):
    dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 2, 1))
    rectorat = agent(Role.ACADEMIE, Level.ACADEMIE, "14")
    dossier.move(State.IN_INSTRUCTION, rectorat)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = dossier.move(State.CORRECTIONS, rectorat, reason="Joindre la délibération du conseil municipal.")
        notify_state_change(event, URL)
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.subject == "Candidature de Marcillé-Raoul : À compléter par la commune"
    assert message.to == ["mairie@marcille-raoul.fr", "commune-35164@example.gouv.fr"]
    assert message.from_email == "edhub <ne-pas-repondre@edhub.invalid>"
    at = timezone.localtime(event.at)
    assert message.body == (
        "Bonjour,\n"
        "\n"
        "La candidature de la commune de Marcillé-Raoul (35164) à l'appel « AMI connectivité — académie de Rennes » "
        f"est passée de « En instruction » à « À compléter par la commune » le {at:%d/%m/%Y} à {at:%H:%M}.\n"
        "\n"
        "Motif :\n"
        "Joindre la délibération du conseil municipal.\n"
        "\n"
        "Le dossier est de nouveau modifiable : complétez-le puis déposez-le à nouveau.\n"
        "\n"
        f"Consulter le dossier : {URL}\n"
        "\n"
        "Ce message est envoyé automatiquement par edhub, merci de ne pas y répondre.\n"
    )


def test_nothing_sent_when_the_change_is_rolled_back(dossier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                event = dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 2, 1))
                notify_state_change(event, URL)
                raise RuntimeError("a later step fails")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


def test_recipients_once_each_and_none_without_address(dossier, django_capture_on_commit_callbacks):
    dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 2, 1))
    dossier.contact_email = "COMMUNE-35164@example.gouv.fr"
    assert recipients(dossier) == ["COMMUNE-35164@example.gouv.fr"]
    dossier.contact_email = ""
    dossier.author.email = ""
    assert recipients(dossier) == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = dossier.move(State.IN_INSTRUCTION, agent(Role.NATIONAL))
        notify_state_change(event, URL)
    assert callbacks == []
    assert mail.outbox == []


def test_a_failing_mail_server_is_logged_not_raised(dossier, settings, caplog, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there (discard port)
    with django_capture_on_commit_callbacks(execute=True):
        event = dossier.move(State.SUBMITTED, dossier.author, today=datetime.date(2026, 2, 1))
        notify_state_change(event, URL)
    assert Application.objects.get(pk=dossier.pk).state == State.SUBMITTED
    assert caplog.records[-1].getMessage() == (
        f"Notification of dossier {dossier.pk} not sent to ['mairie@marcille-raoul.fr', "
        "'commune-35164@example.gouv.fr']"
    )
