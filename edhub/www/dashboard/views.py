"""The dashboard (/tableau-de-bord/, where a login leads): what awaits the user in each of their organisations.

Each membership is read as if it were in use (user.acting_membership set for the time of its section, then put
back), through the permission policy and the querysets that follow it: the figures of a membership not in use are
those the user will find once they act for it. Links lead into pages that follow the membership in use: only the
section of that membership has them; the others offer to act for their organisation.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse

from edhub.accounts.permissions import may
from edhub.ami.models import Application, Campaign
from edhub.inventories.models import Upload
from edhub.territories.models import Level

TO_INSTRUCT = (Application.State.SUBMITTED, Application.State.IN_INSTRUCTION)


def _join_requests(organisation):
    """The requests to join `organisation` that wait for its admins (None while invitations are not installed)."""
    try:
        from edhub.accounts.models import JoinRequest
    except ImportError:
        return None
    return JoinRequest.objects.filter(organisation=organisation, answered_at__isnull=True).count()


def _uploads_to_confirm(user):
    if not may(user, "inventories.upload"):
        return None
    return Upload.objects.visible_to(user).filter(status=Upload.Status.VALIDATED).count()


def _dossiers_to_complete(user):
    """The commune's dossiers it may still edit (drafts, and those sent back for corrections)."""
    dossiers = Application.objects.visible_to(user).filter(state__in=Application.COMMUNE_MOVES)
    dossiers = dossiers.select_related("campaign", "commune").order_by("campaign__closes_on", "pk")
    return [dossier for dossier in dossiers if may(user, "ami.edit", dossier)]


def _dossiers_to_instruct(user):
    """[{campaign, submitted, in_instruction}]: the dossiers waiting for the instructor, call by call."""
    dossiers = Application.objects.visible_to(user).filter(state__in=TO_INSTRUCT)
    counts = {}
    for row in dossiers.values("campaign", "state").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["campaign"], {})[row["state"]] = row["n"]
    calls = Campaign.objects.filter(pk__in=counts).select_related("territory").order_by("closes_on", "pk")
    return [
        {
            "campaign": campaign,
            "submitted": counts[campaign.pk].get(Application.State.SUBMITTED, 0),
            "in_instruction": counts[campaign.pk].get(Application.State.IN_INSTRUCTION, 0),
        }
        for campaign in calls
        if may(user, "ami.instruct", campaign)
    ]


def _shortcuts(user, membership):
    organisation, territory = membership.organisation, membership.territory
    shortcuts = []
    if may(user, "ami.manage"):
        shortcuts.append(("Gérer les appels « connectivité »", reverse("ami:index")))
    if may(user, "inventories.upload"):
        shortcuts.append(("Déposer un inventaire local", reverse("inventories:index")))
    if not membership.can_write:
        if territory is not None and territory.level != Level.FRANCE:
            title = f"Observatoire : {territory.name}"
            shortcuts.append((title, reverse("territories:detail", args=[territory.level, territory.code])))
        else:
            shortcuts.append(("Observatoire des territoires", reverse("territories:index")))
    if may(user, "accounts.see_log", organisation):
        shortcuts.append(("Journal de l'organisation", reverse("audit:journal")))
    return [{"title": title, "url": url} for title, url in shortcuts]


def awaiting(user, membership):
    """What awaits `user` in `membership`, read as if it were the membership in use."""
    saved = user.acting_membership
    user.acting_membership = membership
    try:
        return {
            "membership": membership,
            "uploads_to_confirm": _uploads_to_confirm(user),
            "dossiers_to_complete": _dossiers_to_complete(user),
            "dossiers_to_instruct": _dossiers_to_instruct(user),
            "join_requests": (
                _join_requests(membership.organisation)
                if may(user, "accounts.see_members", membership.organisation)
                else None
            ),
            "shortcuts": _shortcuts(user, membership),
        }
    finally:
        user.acting_membership = saved


@login_required
def dashboard(request):
    in_use = request.membership
    sections = [awaiting(request.user, membership) for membership in request.memberships]
    # The membership in use first, then the others in the order they were joined.
    sections.sort(key=lambda section: section["membership"] != in_use)
    return render(
        request,
        "dashboard/index.html",
        {
            "sections": sections,
            # The user's own requests to join, waiting for an answer (a ProConnect newcomer's among them).
            "my_requests": request.user.join_requests.filter(answered_at__isnull=True)
            .select_related("organisation")
            .order_by("created_at"),
            "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Tableau de bord"},
        },
    )
