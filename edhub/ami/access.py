"""Who may do what on a connectivity call: one function per action, saying why a user may not ("" when it may).

The views refuse with this reason (PermissionDenied: the 403 page shows it) and the pages show a link or a button
only when the same function lets the user through, so that a link and its page never disagree. Each reason says
what the account lacks."""

from django.utils import timezone

from edhub.accounts.models import Role
from edhub.accounts.scope import habilitation_of
from edhub.ami.eligibility import ineligibility
from edhub.ami.models import Application, Campaign
from edhub.territories.models import Level, Territory

# Who instructs and scores dossiers: a national administrator all of them, an académie (DANE) those of its communes.
INSTRUCTOR_ROLES = (Role.NATIONAL, Role.ACADEMIE)


def account(user):
    """The habilitation of the account, in words (« Commune — Créteil (94028) »)."""
    habilitation = habilitation_of(user)
    if habilitation is None:
        return "sans habilitation"
    where = f" — {habilitation.territory}" if habilitation.territory_id else ""
    return f"{habilitation.get_role_display()}{where}"


def is_administrator(user):
    habilitation = habilitation_of(user)
    return user.is_superuser or (habilitation is not None and habilitation.role == Role.NATIONAL)


def manage_refusal(user):
    """Create a call, edit its rules, open and close it."""
    if is_administrator(user):
        return ""
    return f"La gestion des appels est réservée aux administrateurs nationaux (votre compte : {account(user)})."


def closed_refusal(campaign, today=None):
    """Why the call receives no dossier today, in words ("" when it does)."""
    today = today or timezone.localdate()
    if campaign.status != Campaign.Status.OPEN or not campaign.opens_on <= today <= campaign.closes_on:
        return (
            f"Cet appel ne reçoit pas de candidature aujourd'hui : les candidatures sont reçues du "
            f"{campaign.opens_on:%d/%m/%Y} au {campaign.closes_on:%d/%m/%Y}, appel ouvert."
        )
    return ""


def apply_refusal(user, campaign):
    """Open a dossier on the call: an agent of a commune, while the call receives dossiers, for a commune of the
    call's territory that its rules make eligible."""
    habilitation = habilitation_of(user)
    if habilitation is None or habilitation.role != Role.COMMUNE:
        return "Une candidature est déposée par un agent habilité d'une commune, pour sa commune."
    return closed_refusal(campaign) or ineligibility(campaign, habilitation.territory)


def edit_refusal(user, application):
    """Edit a dossier (that the user sees): its commune, while it is a draft or sent back for corrections."""
    habilitation = habilitation_of(user)
    if habilitation is None or habilitation.role != Role.COMMUNE:
        return "Seule la commune modifie son dossier."
    if application.state not in Application.COMMUNE_MOVES:
        return f"Ce dossier est « {application.get_state_display()} » : la commune ne peut plus le modifier."
    return ""


def _call_academie(campaign):
    """The académie of a call on an académie or on one of its départements (None for a wider call)."""
    territory = campaign.territory
    if territory.level == Level.ACADEMIE:
        return territory
    return territory.academie if territory.level == Level.DEPARTEMENT else None


def instruct_refusal(user, campaign):
    """List, export, score and annotate the dossiers of the call: a national administrator, or an académie whose
    communes may apply to it (its own dossiers only)."""
    habilitation = habilitation_of(user)
    if habilitation is None or habilitation.role not in INSTRUCTOR_ROLES:
        return (
            "Les candidatures sont instruites et notées par l'administration nationale et par les académies (DANE) "
            f"pour leurs communes (votre compte : {account(user)})."
        )
    if habilitation.role == Role.ACADEMIE:
        territory, academie = campaign.territory, habilitation.territory
        if not Territory.objects.filter(territory.inside(), academie=academie).exists():
            return (
                f"L'appel couvre {territory.name} : aucune commune de l'académie de {academie.name} ne peut y "
                "candidater, votre académie n'en instruit aucun dossier."
            )
    return ""


def committee_refusal(user, campaign):
    """See the committee's page: a national administrator, or (read-only) the académie of a call on that académie
    or on one of its départements."""
    if is_administrator(user):
        return ""
    academie = _call_academie(campaign)
    habilitation = habilitation_of(user)
    sits = habilitation is not None and habilitation.role == Role.ACADEMIE
    if academie is not None and sits and habilitation.territory_id == academie.pk:
        return ""
    sitting = "l'administration nationale"
    if academie is not None:
        sitting += f" et à l'académie de {academie.name}"
    return (
        f"Le comité de sélection de cet appel ({campaign.territory.name}) est réservé à {sitting} (votre compte : "
        f"{account(user)})."
    )
