"""Scoring pages of the connectivity call: the dossiers in instruction with their scoring status, and the scoring
form of one dossier for the current scorer (who revises its own points, never another scorer's)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr

from edhub.accounts.permissions import require
from edhub.ami import scoring
from edhub.ami.models import Application, Score
from edhub.utils.exports import table_response
from edhub.www.ami.views import breadcrumb, campaign_or_404


def dossiers_to_score(user, campaign):
    """The dossiers of the campaign in instruction this instructor may score (« ami.instruct »)."""
    require(user, "ami.instruct", campaign)
    return Application.objects.visible_to(user).filter(campaign=campaign, state=Application.State.IN_INSTRUCTION)


def crumbs(campaign, current, *links):
    """The breadcrumb of a page under the campaign, through `links`."""
    data = breadcrumb(campaign, current)
    data["links"].extend(links)
    return data


class ScoreForm(DsfrBaseForm):
    """The points and comment of the current scorer on each manual criterion; Score.clean validates the points."""

    def __init__(self, *args, criteria, scores, **kwargs):
        self.criteria = [criterion for criterion in criteria if not criterion.automatic]
        self.scores = scores  # {criterion id: Score} of the current scorer
        initial = {}
        for criterion in self.criteria:
            score = scores.get(criterion.pk)
            if score is not None:
                initial[f"points_{criterion.code}"] = score.points
                initial[f"comment_{criterion.code}"] = score.comment
        super().__init__(*args, initial=initial, **kwargs)
        for criterion in self.criteria:
            self.fields[f"points_{criterion.code}"] = forms.FloatField(
                label=f"Points (de 0 à {criterion.weight})",
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                help_text="Décimales acceptées, par exemple 12,5.",
            )
            self.fields[f"comment_{criterion.code}"] = forms.CharField(
                label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def rows(self):
        """[(criterion, points field, comment field)] for the template."""
        return [(c, self[f"points_{c.code}"], self[f"comment_{c.code}"]) for c in self.criteria]

    def clean(self):
        cleaned = super().clean()
        for criterion in self.criteria:
            name = f"points_{criterion.code}"
            if cleaned.get(name) is None:
                continue
            try:
                Score(criterion=criterion, points=cleaned[name]).clean()
            except ValidationError as error:
                for message in error.message_dict.get("points", error.messages):
                    self.add_error(name, message)
        return cleaned

    @transaction.atomic
    def save(self, application, scorer):
        now = timezone.now()
        for criterion in self.criteria:
            Score.objects.update_or_create(
                application=application,
                criterion=criterion,
                scorer=scorer,
                defaults={
                    "points": self.cleaned_data[f"points_{criterion.code}"],
                    "comment": self.cleaned_data[f"comment_{criterion.code}"].strip(),
                    "at": now,
                },
            )


@login_required
def index(request, pk):
    campaign = campaign_or_404(request, pk)
    result = scoring.score_campaign(campaign, dossiers_to_score(request.user, campaign))
    context = {
        "campaign": campaign,
        "result": result,
        "mine": {scored.key for scored in result.applications if scored.scores_of(request.user)},
        "fully_scored": len(result.ranked),
        "disagreeing": sum(1 for scored in result.applications if scored.disagreements),
        "min_scorers": scoring.MIN_SCORERS,
        "disagreement_percent": round(100 * scoring.DISAGREEMENT_SHARE),
        "disagreement_example": scoring.DISAGREEMENT_SHARE * 20,
        "active_nav": "ami",
        "export_csv": reverse("ami:scoring-export", args=[campaign.pk, "csv"]),
        "export_xlsx": reverse("ami:scoring-export", args=[campaign.pk, "xlsx"]),
        "breadcrumb_data": breadcrumb(campaign, "Notation des dossiers"),
    }
    return render(request, "ami/scoring_index.html", context)


def scoring_header(result):
    return [
        "Rang",
        "Code commune",
        "Commune",
        "État",
        *(f"{criterion.label} (sur {criterion.weight})" for criterion in result.criteria),
        f"Total (sur {result.maximum})",
        "Évaluateurs",
        "Entièrement noté",
        "Désaccords",
    ]


def scoring_rows(result):
    for scored in result.applications:
        commune = scored.application.commune
        yield [
            scored.rank,
            commune.code,
            commune.name,
            scored.application.get_state_display(),
            *(line.points for line in scored.lines),
            scored.total,
            scored.scorer_names,
            "oui" if scored.fully_scored else "non",
            " ; ".join(line.disagreement_text for line in scored.disagreements),
        ]


@login_required
def scoring_export(request, pk, extension):
    campaign = campaign_or_404(request, pk)
    result = scoring.score_campaign(campaign, dossiers_to_score(request.user, campaign))
    name = f"notation_ami_{campaign.pk}"
    return table_response(name, extension, "Notation", scoring_header(result), scoring_rows(result))


@login_required
def score(request, pk, application):
    campaign = campaign_or_404(request, pk)
    dossier = get_object_or_404(
        dossiers_to_score(request.user, campaign).select_related("commune__departement"), pk=application
    )
    queryset = Application.objects.filter(pk=dossier.pk)
    (scored,) = scoring.score_campaign(campaign, queryset).applications
    mine = scored.scores_of(request.user)
    form = ScoreForm(request.POST or None, criteria=[line.criterion for line in scored.lines], scores=mine)
    if request.method == "POST" and form.is_valid():
        form.save(dossier, request.user)
        commune = dossier.commune.name
        messages.success(request, f"Votre notation du dossier de {commune} est enregistrée.")
        return redirect("ami:scoring", pk=campaign.pk)
    others = [(line, [s for s in line.scores if s.scorer_id != request.user.pk]) for line in scored.manual_lines]
    context = {
        "campaign": campaign,
        "dossier": dossier,
        "scored": scored,
        "form": form,
        "revising": bool(mine),
        "others": others if mine else None,  # shown once the scorer has scored, not to anchor its judgement
        "concerned": dossier.concerned.select_related("school").order_by("school__uai"),
        "active_nav": "ami",
        "breadcrumb_data": crumbs(
            campaign,
            f"Dossier de {dossier.commune.name}",
            {"url": reverse("ami:scoring", args=[campaign.pk]), "title": "Notation des dossiers"},
        ),
    }
    return render(request, "ami/scoring_form.html", context)


urlpatterns = [
    path("<int:pk>/notation/", index, name="scoring"),
    re_path(r"^(?P<pk>[0-9]+)/notation\.(?P<extension>csv|xlsx)$", scoring_export, name="scoring-export"),
    path("<int:pk>/notation/<int:application>/", score, name="score"),
]
