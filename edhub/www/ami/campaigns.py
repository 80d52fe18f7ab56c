"""Pages of the connectivity call: national administrators create a call, edit its rules and scoring grid, open it
and close it. Editing the rules of an open (or closed) call asks for a reason and records a new version of its rules.

The map of a call (views.py, beside the eligible communes it shows) is routed here with the other pages of a call.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import inlineformset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from edhub.accounts.permissions import require
from edhub.ami.models import CAMPAIGN_LEVELS, DEFAULT_GRID, Campaign, Criterion
from edhub.territories.models import Level, Territory
from edhub.www.ami import views
from edhub.www.ami.views import breadcrumb

GRID_TOTAL = 100
# Blank lines offered below the grid, to add criteria.
BLANK_CRITERIA = 2
TERRITORY_GROUPS = {
    Level.FRANCE: "France",
    Level.REGION_ACADEMIQUE: "Régions académiques",
    Level.ACADEMIE: "Académies",
    Level.DEPARTEMENT: "Départements",
}
CAMPAIGN_FIELDS = (
    "title",
    "territory",
    "opens_on",
    "closes_on",
    "budget",
    "laureates_min",
    "laureates_max",
    "ceiling_per_school",
    "ceiling_per_class",
    "cap_per_departement",
    "rural_only",
    "requires_public_ecole",
    "speed_threshold",
    "share_threshold",
)


def territory_choices():
    """The territories a call may cover, grouped by level: France, régions académiques, académies, départements."""
    territories = Territory.objects.current().filter(level__in=CAMPAIGN_LEVELS).order_by("search_name", "code")
    groups = {level: [] for level in TERRITORY_GROUPS}
    for pk, level, code, name in territories.values_list("pk", "level", "code", "name"):
        groups[level].append((pk, f"{name} ({code})" if level == Level.DEPARTEMENT else name))
    return [("", "Choisir un territoire")] + [(TERRITORY_GROUPS[level], items) for level, items in groups.items()]


class CampaignForm(forms.ModelForm, DsfrBaseForm):
    reason = forms.CharField(
        label="Motif de la modification",
        max_length=200,
        required=False,
        help_text="À indiquer pour toute modification : il est publié avec la nouvelle version des règles, que les "
        "candidats et le comité consultent.",
    )

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS
        localized_fields = ("share_threshold",)  # "33,3" as well as "33.3"
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "share_threshold": "Une commune est éligible quand une part moindre de ses locaux atteint le seuil."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        territory = self.fields["territory"]
        territory.queryset = Territory.objects.current().filter(level__in=CAMPAIGN_LEVELS)
        territory.choices = territory_choices()
        territory.help_text = "La France, une région académique, une académie ou un département."
        if self.instance.pk and self.instance.applications.exists():
            territory.disabled = True
            territory.help_text = "Des communes ont déjà candidaté : le territoire de l'appel ne change plus."
        if not self.versioned:
            del self.fields["reason"]

    @property
    def versioned(self):
        """Whether a change records a new version of the rules (an open or closed call)."""
        return self.instance.pk is not None and self.instance.status != Campaign.Status.DRAFT


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ("position", "code", "label", "weight", "automatic", "published")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].min_value = 1
        self.fields["weight"].widget.attrs["min"] = 1

    def has_changed(self):
        # A new line is a criterion when it has a code, a label or a weight: a line of the default grid left as it
        # is counts, a blank line (whatever its boxes) or a line emptied does not.
        if self.instance.pk is None:
            return any(self.data.get(self.add_prefix(name), "").strip() for name in ("code", "label", "weight"))
        return super().has_changed()


class BaseCriterionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        problems = []
        if not kept:
            problems.append("La grille doit compter au moins un critère.")
        codes = [form.cleaned_data["code"] for form in kept]
        for code in sorted({code for code in codes if codes.count(code) > 1}):
            problems.append(f"Le code « {code} » est celui de plusieurs critères : chaque critère a son propre code.")
        total = sum(form.cleaned_data["weight"] for form in kept)
        if kept and total != GRID_TOTAL:
            problems.append(f"La somme des poids de la grille doit faire {GRID_TOTAL} : elle fait {total}.")
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.scores.exists():
                problems.append(
                    f"Le critère « {form.instance.label} » a déjà des notes : il ne peut pas être supprimé "
                    "(dépubliez-le ou changez son poids)."
                )
        if problems:
            raise ValidationError(problems)
        super().clean()


def criterion_formset(extra):
    return inlineformset_factory(
        Campaign,
        Criterion,
        form=CriterionForm,
        formset=BaseCriterionFormSet,
        extra=extra,
        can_delete=True,
    )


def administrator(request):
    require(request.user, "ami.manage")


@login_required
def create(request):
    administrator(request)
    initial = [
        {"position": position, "code": code, "label": label, "weight": weight, "automatic": automatic}
        for position, (code, label, weight, automatic) in enumerate(DEFAULT_GRID, start=1)
    ]
    formset_class = criterion_formset(len(initial) + BLANK_CRITERIA)
    campaign = Campaign()
    form = CampaignForm(request.POST or None, instance=campaign)
    formset = formset_class(request.POST or None, instance=campaign, initial=initial, prefix="criteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            campaign = form.save()
            formset.instance = campaign
            formset.save()
        messages.success(request, "Appel créé en brouillon : vérifiez ses règles, puis ouvrez-le aux candidatures.")
        return redirect(campaign)
    return _form_page(request, form, formset, None)


@login_required
def edit(request, pk):
    administrator(request)
    campaign = get_object_or_404(Campaign.objects.select_related("territory"), pk=pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    formset = criterion_formset(BLANK_CRITERIA)(request.POST or None, instance=campaign, prefix="criteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        changed = bool(set(form.changed_data) - {"reason"}) or formset.has_changed()
        reason = form.cleaned_data.get("reason", "").strip()
        if not changed:
            messages.info(request, "Aucune règle n'a été modifiée.")
            return redirect(campaign)
        if form.versioned and not reason:
            form.add_error("reason", "Indiquez le motif de la modification : il est publié avec la nouvelle version.")
        else:
            with transaction.atomic():
                campaign = form.save()
                formset.save()
                version = campaign.record_version(request.user, reason)
            if version is not None:
                messages.success(request, f"Règles modifiées : version {version.number} enregistrée ({reason}).")
            else:
                messages.success(request, "Appel modifié.")
            return redirect(campaign)
    return _form_page(request, form, formset, campaign)


def _form_page(request, form, formset, campaign):
    title = f"Modifier l'appel « {campaign.title} »" if campaign else "Créer un appel « connectivité »"
    context = {
        "form": form,
        "formset": formset,
        "campaign": campaign,
        "title": title,
        "grid_total": GRID_TOTAL,
        "gates": [form["rural_only"], form["requires_public_ecole"]],
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, "Modifier l'appel")
        if campaign
        else breadcrumb(None, "Créer un appel"),
    }
    return render(request, "ami/campaign_form.html", context)


@login_required
@require_POST
def open_campaign(request, pk):
    administrator(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    total = sum(campaign.criteria.values_list("weight", flat=True))
    if campaign.criteria.exists() and total != GRID_TOTAL:
        messages.error(
            request,
            f"La somme des poids de la grille fait {total} au lieu de {GRID_TOTAL} : corrigez-la avant d'ouvrir.",
        )
        return redirect(campaign)
    try:
        campaign.open(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Appel ouvert aux candidatures : ses règles sont figées en version 1.")
    return redirect(campaign)


@login_required
@require_POST
def close_campaign(request, pk):
    administrator(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        version = campaign.close(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Appel clos : il ne reçoit plus de nouvelle candidature (clôture enregistrée en version {version.number} "
            "des règles, inchangées). Les dossiers renvoyés pour compléments peuvent encore être redéposés.",
        )
    return redirect(campaign)


urlpatterns = [
    path("nouveau/", create, name="campaign-create"),
    path("<int:pk>/modifier/", edit, name="campaign-edit"),
    path("<int:pk>/ouvrir/", open_campaign, name="campaign-open"),
    path("<int:pk>/clore/", close_campaign, name="campaign-close"),
    path("<int:pk>/carte/", views.campaign_map, name="map"),
    path("<int:pk>/carte.geojson", views.campaign_map_data, name="map-data"),
]
