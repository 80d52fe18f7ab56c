"""Pages of the selection committee of a call (the ranking, the optimal selection beside the greedy one, the
arrest of the selection and the publication of the results) and the public results with their exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.views.decorators.http import require_POST

from edhub.accounts.permissions import may, require
from edhub.ami import scoring
from edhub.ami.models import Application
from edhub.ami.notifications import notify_state_change
from edhub.utils.exports import table_response
from edhub.www.ami.applications import dossier_url
from edhub.www.ami.views import breadcrumb, campaign_or_404


def committee_campaign(request, pk):
    """The campaign, if the user sits on its committee (« ami.committee » in edhub/accounts/permissions.py)."""
    campaign = campaign_or_404(request, pk)
    require(request.user, "ami.committee", campaign)
    return campaign


def comparison_rows(result):
    """[(scored dossier, optimal outcome, (optimal outcome, greedy outcome))] by rank."""
    if result.comparison is None:
        return []
    greedy = {outcome.candidate.key: outcome for outcome in result.comparison.greedy.outcomes}
    by_key = result.by_key
    return [
        (by_key[outcome.candidate.key], outcome, (outcome, greedy[outcome.candidate.key]))
        for outcome in result.comparison.optimal.outcomes
    ]


@login_required
def committee(request, pk):
    campaign = committee_campaign(request, pk)
    result = scoring.committee(campaign)
    decided = scoring.results(campaign)
    comparison = result.comparison
    context = {
        "campaign": campaign,
        "result": result,
        "rows": comparison_rows(result),
        "optimal": comparison.optimal if comparison else None,
        "greedy": comparison.greedy if comparison else None,
        "waiting_lists": (
            [("sélection optimale", comparison.optimal), ("classement glouton", comparison.greedy)]
            if comparison
            else []
        ),
        "min_scorers": scoring.MIN_SCORERS,
        "disagreeing": [scored for scored in result.scores.ranked if scored.disagreements],
        "decided": decided,
        "refused": campaign.applications.filter(state=Application.State.REFUSED, waiting_rank__isnull=True).count(),
        "not_in_instruction": campaign.applications.filter(
            state__in=(Application.State.SUBMITTED, Application.State.CORRECTIONS)
        ).count(),
        "can_decide": may(request.user, "ami.arrest", campaign),
        "arrested": bool(decided.laureates),
        "active_nav": "ami",
        "export_csv": reverse("ami:committee-export", args=[campaign.pk, "csv"]),
        "export_xlsx": reverse("ami:committee-export", args=[campaign.pk, "xlsx"]),
        "breadcrumb_data": breadcrumb(campaign, "Comité de sélection"),
    }
    return render(request, "ami/committee.html", context)


def committee_header(result):
    return [
        "Rang",
        "Code commune",
        "Commune",
        "Département",
        *(f"{criterion.label} (sur {criterion.weight})" for criterion in result.scores.criteria),
        f"Total (sur {result.scores.maximum})",
        "Coût retenu (euros)",
        "Sélection optimale",
        "Motif (sélection optimale)",
        "Classement glouton",
        "Motif (classement glouton)",
    ]


def committee_rows(result):
    """The ranking with both selections' decision and reason, by rank."""
    for scored, optimal, (_, greedy) in comparison_rows(result):
        commune = scored.application.commune
        yield [
            optimal.rank,
            commune.code,
            commune.name,
            commune.departement.code if commune.departement_id else "",
            *(line.points for line in scored.lines),
            scored.total,
            scored.cost,
            "Retenu" if optimal.selected else "Non retenu",
            optimal.reason,
            "Retenu" if greedy.selected else "Non retenu",
            greedy.reason,
        ]


@login_required
def committee_export(request, pk, extension):
    campaign = committee_campaign(request, pk)
    result = scoring.committee(campaign)
    rows = committee_rows(result)
    return table_response(f"comite_ami_{campaign.pk}", extension, "Comité", committee_header(result), rows)


def _decide(request, pk, action):
    campaign = committee_campaign(request, pk)
    require(request.user, "ami.arrest" if action == "arrest" else "ami.publish", campaign)
    try:
        if action == "arrest":
            applied = scoring.arrest(
                campaign,
                request.user,
                seen=request.POST.get("selection", ""),
                notify=lambda event: notify_state_change(event, dossier_url(request, event.application)),
            )
            optimal = applied.comparison.optimal
            messages.success(
                request,
                f"Sélection arrêtée : {len(optimal.selected)} dossier(s) retenu(s), "
                f"{len(optimal.outcomes) - len(optimal.selected)} non retenu(s) dont "
                f"{len(optimal.waiting_list)} sur la liste d'attente.",
            )
        else:
            scoring.publish(campaign, request.user)
            messages.success(request, "Les résultats sont publiés.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("ami:committee", pk=campaign.pk)


@login_required
@require_POST
def arrest(request, pk):
    return _decide(request, pk, "arrest")


@login_required
@require_POST
def publish(request, pk):
    return _decide(request, pk, "publish")


def published_results(request, pk):
    campaign = campaign_or_404(request, pk)
    if campaign.results_published_at is None:
        raise Http404("Les résultats de cet appel ne sont pas encore publiés.")
    return campaign, scoring.published(campaign)


def results(request, pk):
    campaign, result = published_results(request, pk)
    context = {
        "campaign": campaign,
        "result": result,
        "tables": [("Lauréats, par total décroissant", "laureats", result["laureates"])]
        + ([("Liste d’attente, dans l’ordre", "attente", result["waiting"])] if result["waiting"] else []),
        "columns": len(result["criteria"]) + 5,
        "export_csv": reverse("ami:results-export", args=[campaign.pk, "csv"]),
        "export_xlsx": reverse("ami:results-export", args=[campaign.pk, "xlsx"]),
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, "Résultats"),
    }
    return render(request, "ami/results.html", context)


def results_header(result):
    return [
        "Résultat",
        "Rang",
        "Code commune",
        "Commune",
        "Département",
        *(f"{criterion['label']} (sur {criterion['weight']})" for criterion in result["criteria"]),
        f"Total (sur {result['maximum']})",
        "Coût retenu (euros)",
    ]


def results_rows(result):
    """The laureates by rank, then the waiting list by rank: public data only."""
    for status, dossiers in (("Lauréat", result["laureates"]), ("Liste d'attente", result["waiting"])):
        for row in dossiers:
            yield [
                status,
                row["rank"],
                row["code"],
                row["name"],
                row["departement"],
                *row["points"],
                row["total"],
                row["cost"],
            ]


def results_export(request, pk, extension):
    campaign, result = published_results(request, pk)
    name = f"resultats_ami_{campaign.pk}"
    return table_response(name, extension, "Résultats", results_header(result), results_rows(result))


urlpatterns = [
    path("<int:pk>/comite/", committee, name="committee"),
    re_path(r"^(?P<pk>[0-9]+)/comite\.(?P<extension>csv|xlsx)$", committee_export, name="committee-export"),
    path("<int:pk>/comite/arreter/", arrest, name="committee-arrest"),
    path("<int:pk>/comite/publier/", publish, name="committee-publish"),
    path("<int:pk>/resultats/", results, name="results"),
    re_path(r"^(?P<pk>[0-9]+)/resultats\.(?P<extension>csv|xlsx)$", results_export, name="results-export"),
]
