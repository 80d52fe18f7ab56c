"""E-mails of the connectivity call: the commune is told of every change of state of its dossier.

Mails leave once the transaction that changed the state has committed: a rolled-back change sends nothing, and a
mail server that fails does not undo a change already recorded (the failure is logged).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def recipients(application):
    """The dossier's contact and its author, each once, in that order."""
    addresses = []
    for address in (application.contact_email, application.author.email):
        address = (address or "").strip()
        if address and address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return addresses


def state_change_subject(event):
    application = event.application
    return f"Candidature de {application.commune.name} : {event.get_to_state_display()}"


def state_change_body(event, url):
    application = event.application
    at = timezone.localtime(event.at)
    lines = [
        "Bonjour,",
        "",
        f"La candidature de la commune de {application.commune.name} ({application.commune.code}) à l'appel "
        f"« {application.campaign.title} » est passée de « {event.get_from_state_display()} » à "
        f"« {event.get_to_state_display()} » le {at:%d/%m/%Y} à {at:%H:%M}.",
    ]
    if event.reason:
        lines += ["", "Motif :", event.reason]
    if event.to_state == application.State.CORRECTIONS:
        lines += ["", "Le dossier est de nouveau modifiable : complétez-le puis déposez-le à nouveau."]
    lines += [
        "",
        f"Consulter le dossier : {url}",
        "",
        "Ce message est envoyé automatiquement par edhub, merci de ne pas y répondre.",
    ]
    return "\n".join(lines) + "\n"


def notify_state_change(event, url):
    """Send the e-mail of a change of state once the current transaction commits; `url` is the dossier's
    absolute address."""
    to = recipients(event.application)
    if not to:
        return
    subject, body = state_change_subject(event), state_change_body(event, url)

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
        except Exception:
            logger.exception("Notification of dossier %s not sent to %s", event.application_id, to)

    transaction.on_commit(send)
