"""Pages of the connectivity call: the calls, their published rules, and the pre-identified eligible communes."""

import csv
import io

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from openpyxl import Workbook

from edhub.accounts.models import Role
from edhub.accounts.scope import habilitation_of
from edhub.ami.eligibility import NEED_LABELS, NEED_WEIGHTS, pre_identify
from edhub.ami.models import Campaign
from edhub.territories.models import Level, Territory
from edhub.www.ami.forms import EligibleFilterForm

ELIGIBLES_PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_HEADER = [
    "Rang",
    "Code commune",
    "Commune",
    "Département",
    "Score de besoin (sur 100)",
    *(f"{label} (sur {NEED_WEIGHTS[code]})" for code, label in NEED_LABELS.items()),
    "Niveau de densité INSEE",
    "Densité estimée",
    "Écoles publiques",
    "Élèves",
    "IPS moyen des écoles",
    "Locaux (Arcep)",
    "Part des locaux au seuil (%)",
    "Écoles déclarées mal connectées",
    "Motifs d'éligibilité",
    "Explication du score",
]


def is_administrator(user):
    habilitation = habilitation_of(user)
    return user.is_superuser or (habilitation is not None and habilitation.role == Role.NATIONAL)


def visible_campaigns(user):
    campaigns = Campaign.objects.select_related("territory")
    return campaigns if is_administrator(user) else campaigns.exclude(status=Campaign.Status.DRAFT)


def campaign_or_404(request, pk):
    return get_object_or_404(visible_campaigns(request.user), pk=pk)


def breadcrumb(campaign=None, current=None):
    links = [{"url": reverse("ami:index"), "title": "Appels « connectivité »"}] if campaign or current else []
    if campaign and current:
        links.append({"url": campaign.get_absolute_url(), "title": campaign.title})
    return {
        "root_dir": reverse("home"),
        "links": links,
        "current": current or (campaign.title if campaign else "Appels « connectivité »"),
    }


def index(request):
    context = {
        "campaigns": visible_campaigns(request.user),
        "can_create": request.user.has_perm("ami.add_campaign"),
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(),
    }
    return render(request, "ami/index.html", context)


def detail(request, pk):
    campaign = campaign_or_404(request, pk)
    context = {
        "campaign": campaign,
        "criteria": campaign.criteria.filter(published=True),
        "versions": campaign.versions.all(),
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign),
    }
    return render(request, "ami/detail.html", context)


def _pre_identification(request, campaign):
    """The pre-identification of the campaign, filtered by the département of the query string."""
    territory = campaign.territory
    inside = Q(pk=territory.pk) if territory.level == Level.DEPARTEMENT else territory.inside()
    departements = Territory.objects.filter(inside, level=Level.DEPARTEMENT, valid_to__isnull=True)
    choices = list(departements.order_by("code").values_list("code", "name"))
    form = EligibleFilterForm(request.GET or None, departements=choices)
    departement = form.cleaned_data["departement"] if form.is_valid() else ""
    if request.GET.get("departement") and not form.is_valid():
        raise Http404("Département inconnu pour cet appel.")
    return form, departement, pre_identify(campaign, departement=departement or None)


def eligibles(request, pk):
    campaign = campaign_or_404(request, pk)
    form, departement, result = _pre_identification(request, campaign)
    page = Paginator(result.eligible, ELIGIBLES_PER_PAGE).get_page(request.GET.get("page"))
    query = f"?departement={departement}" if departement else ""
    context = {
        "campaign": campaign,
        "form": form,
        "departement": departement,
        "result": result,
        "page": page,
        "need_weights": [(NEED_LABELS[code], weight) for code, weight in NEED_WEIGHTS.items()],
        "export_csv": reverse("ami:eligibles-export", args=[campaign.pk, "csv"]) + query,
        "export_xlsx": reverse("ami:eligibles-export", args=[campaign.pk, "xlsx"]) + query,
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, "Communes éligibles"),
    }
    return render(request, "ami/eligibles.html", context)


def export_rows(result):
    for a in result.eligible:
        yield [
            a.rank,
            a.code,
            a.name,
            a.departement_code,
            a.score,
            *(a.components[code][0] for code in NEED_LABELS),
            a.density_level,
            "oui" if a.density_estimated else "non",
            a.ecoles,
            a.pupils,
            None if a.ips is None else round(a.ips, 1),
            a.premises,
            None if a.share is None else round(a.share, 1),
            ", ".join(d.uai for d in a.badly_declared or ()),
            " ; ".join(a.reasons),
            a.explanation,
        ]


def eligibles_export(request, pk, extension):
    campaign = campaign_or_404(request, pk)
    _, departement, result = _pre_identification(request, campaign)
    name = f"communes_eligibles_ami_{campaign.pk}{'_' + departement if departement else ''}"
    if extension == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(EXPORT_HEADER)
        for row in export_rows(result):
            writer.writerow(
                ["" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v for v in row]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Communes éligibles")
        sheet.append(EXPORT_HEADER)
        for row in export_rows(result):
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
