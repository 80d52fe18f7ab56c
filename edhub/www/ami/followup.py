"""Pages of the connectivity call: the follow-up of laureates. The table of a call's laureate schools by stage
(with its exports), and the follow-up of one accepted dossier, updated by its commune or an instructor."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone

from edhub.accounts.permissions import may, require
from edhub.ami import followup
from edhub.ami.models import Application, ApplicationSchool
from edhub.opendata.values import school_years
from edhub.utils.exports import table_response
from edhub.www.ami.views import breadcrumb, campaign_or_404, visible_dossiers

# The roles that see dossiers (Application.objects.visible_to): instructors and communes.
EXPORT_HEADER = [
    "Code commune",
    "Commune",
    "Département",
    "UAI",
    "École",
    "Étape",
    "Connexion avant travaux",
    "Débit mesuré avant travaux (Mbit/s)",
    "Connectée le",
    "Connexion obtenue",
    "Débit mesuré après travaux (Mbit/s)",
    "Suivi mis à jour le",
    "Observatoire",
]


class FollowupForm(forms.ModelForm):
    class Meta:
        model = ApplicationSchool
        fields = ("works", "connected_on", "connected_technology", "connected_mbps")
        localized_fields = ("connected_mbps",)  # "95,5" as well as "95.5"
        widgets = {"connected_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        works = self.fields["works"]
        works.required = True
        works.choices = followup.Stage.choices
        self.initial["works"] = followup.stage_of(self.instance)
        self.fields["connected_mbps"].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        data = super().clean()
        errors = followup.check(
            data.get("works"), data.get("connected_on"), data.get("connected_technology"), data.get("connected_mbps")
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


FollowupFormSet = forms.modelformset_factory(ApplicationSchool, form=FollowupForm, extra=0)


def _dossiers(request):
    """The dossiers this user sees (403 for an account that sees none: neither instructor nor commune)."""
    require(request.user, "ami.see_followup")
    return visible_dossiers(request.user)


def _followed(request, campaign):
    """The laureate schools of the call in the dossiers this user sees."""
    return list(followup.laureate_schools(campaign).filter(application__in=_dossiers(request)))


def _rows(schools):
    """The rows of the follow-up table: each school with its stage and what the observatory reads of it."""
    uses = followup.observatory_use([concerned.school_id for concerned in schools])
    rows = []
    for concerned in schools:
        use = uses.get(concerned.school_id)
        if use is None:
            observatory = ""
        elif use.used:
            observatory = f"pris en compte, rentrée {school_years([use.connection.rentree])}"
        else:
            observatory = f"inventaire local plus récent (publié le {timezone.localtime(use.declared_at):%d/%m/%Y})"
        rows.append({"school": concerned, "stage": followup.stage_of(concerned), "observatory": observatory})
    return rows


@login_required
def campaign_followup(request, pk):
    campaign = campaign_or_404(request, pk)
    schools = _followed(request, campaign)
    context = {
        "campaign": campaign,
        "rows": _rows(schools),
        "counts": followup.stage_counts(schools),
        "dossiers": len({concerned.application_id for concerned in schools}),
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, "Suivi des lauréats"),
    }
    return render(request, "ami/followup.html", context)


@login_required
def campaign_followup_export(request, pk, extension):
    campaign = campaign_or_404(request, pk)
    rows = (_export_row(row) for row in _rows(_followed(request, campaign)))
    return table_response(f"suivi_laureats_ami_{campaign.pk}", extension, "Suivi des lauréats", EXPORT_HEADER, rows)


def _export_row(row):
    concerned = row["school"]
    commune = concerned.application.commune
    return [
        commune.code,
        commune.name,
        commune.departement.code if commune.departement else "",
        concerned.school.uai,
        concerned.school.name,
        row["stage"].label,
        concerned.get_technology_display(),
        concerned.download_mbps,
        f"{concerned.connected_on:%d/%m/%Y}" if concerned.connected_on else "",
        concerned.get_connected_technology_display(),
        concerned.connected_mbps,
        f"{timezone.localtime(concerned.works_updated_at):%d/%m/%Y %H:%M}" if concerned.works_updated_at else "",
        row["observatory"],
    ]


@login_required
def dossier_followup(request, pk, application_pk):
    campaign = campaign_or_404(request, pk)
    application = get_object_or_404(
        _dossiers(request).filter(campaign=campaign, state=Application.State.ACCEPTED).select_related("commune"),
        pk=application_pk,
    )
    can_update = may(request.user, "ami.follow_up", application)
    queryset = application.concerned.select_related("school").order_by("school__uai")
    formset = FollowupFormSet(request.POST or None, queryset=queryset, prefix="schools")
    if request.method == "POST":
        require(request.user, "ami.follow_up", application)
        if formset.is_valid():
            changes = {form.instance.pk: form.cleaned_data for form in formset if form.has_changed()}
            if not changes:
                messages.info(request, "Aucun changement à enregistrer.")
            elif followup.update(application, request.user, changes) is not None:
                messages.success(
                    request, "Suivi enregistré : les indicateurs de connexion des écoles de l’observatoire suivent."
                )
            else:
                messages.success(request, "Suivi enregistré.")
            return redirect(reverse("ami:followup-dossier", args=[campaign.pk, application.pk]))
    crumbs = breadcrumb(campaign, application.commune.name)
    crumbs["links"].append({"url": reverse("ami:followup", args=[campaign.pk]), "title": "Suivi des lauréats"})
    context = {
        "campaign": campaign,
        "application": application,
        "formset": formset,
        "can_update": can_update,
        "rows": list(zip(formset, _rows([form.instance for form in formset]), strict=True)),
        "active_nav": "ami",
        "breadcrumb_data": crumbs,
    }
    return render(request, "ami/followup_dossier.html", context)


urlpatterns = [
    path("<int:pk>/suivi/", campaign_followup, name="followup"),
    re_path(r"^(?P<pk>[0-9]+)/suivi\.(?P<extension>csv|xlsx)$", campaign_followup_export, name="followup-export"),
    path("<int:pk>/suivi/<int:application_pk>/", dossier_followup, name="followup-dossier"),
]
