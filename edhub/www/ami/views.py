"""Pages of the connectivity call: the calls, their published rules, the pre-identified eligible communes and the
map of the call."""

import json

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page

from edhub.accounts.models import Role
from edhub.accounts.permissions import is_national, may, refusal
from edhub.accounts.scope import membership_of
from edhub.ami.eligibility import NEED_LABELS, NEED_WEIGHTS, cached_pre_identify
from edhub.ami.models import Application, Campaign
from edhub.territories.models import Level, Territory
from edhub.utils.exports import table_response
from edhub.www.ami.forms import EligibleFilterForm

ELIGIBLES_PER_PAGE = 50
GEOJSON = "application/geo+json"
# The need score's classes on the map: (lower bound, colour), light to dark.
SCORE_CLASSES = ((0, "#ffeda0"), (45, "#feb24c"), (55, "#fd8d3c"), (65, "#e31a1c"), (75, "#800026"))
# Dossiers on the map: their state as instructors see it, or as everyone sees it once the results are published.
CANDIDATE, LAUREATE = "candidate", "laureate"
PUBLIC_STATES = {CANDIDATE: "Candidate", LAUREATE: "Lauréate"}
DECLINED = (Application.State.REFUSED, Application.State.WITHOUT_FOLLOW_UP)
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


def visible_dossiers(user):
    """The dossiers a user sees in the membership in use (none for an account that is neither instructor nor
    commune)."""
    return Application.objects.visible_to(user)


def visible_campaigns(user):
    campaigns = Campaign.objects.select_related("territory")
    return campaigns if is_national(user) else campaigns.exclude(status=Campaign.Status.DRAFT)


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
        "can_create": may(request.user, "ami.manage"),
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(),
    }
    return render(request, "ami/index.html", context)


def commune_access(user, campaign):
    """For a commune agent: its commune's dossier on the call, or whether it may open one (and why not)."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.COMMUNE:
        return {}
    application = Application.objects.filter(campaign=campaign, commune=membership.territory).first()
    if application is not None:
        return {"application": application}
    return {"apply_refusal": refusal(user, "ami.apply", campaign)}


def detail(request, pk):
    """The call, its rules, and the links this user may follow (each from the check of its page)."""
    campaign = campaign_or_404(request, pk)
    user = request.user
    context = {
        "campaign": campaign,
        "criteria": campaign.criteria.filter(published=True),
        "versions": campaign.versions.all(),
        "can_manage": may(user, "ami.manage"),
        "can_instruct": may(user, "ami.instruct", campaign),
        "can_sit": may(user, "ami.committee", campaign),
        "commune": commune_access(user, campaign),
        "followed": visible_dossiers(user).filter(campaign=campaign, state=Application.State.ACCEPTED).exists(),
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
    return form, departement, cached_pre_identify(campaign, departement=departement or None)


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
    return table_response(name, extension, "Communes éligibles", EXPORT_HEADER, export_rows(result))


def shown_dossiers(campaign, user):
    """{commune id: (state, label)} of the dossiers the map shows this user: never drafts; those an instructor (or
    the commune) sees, with their state; once the results are published, every other one as candidate or
    laureate, the other decisions undisclosed."""
    dossiers = campaign.applications.exclude(state=Application.State.DRAFT)
    visible = dossiers & visible_dossiers(user)
    shown = {
        commune: (state, Application.State(state).label)
        for commune, state in visible.values_list("commune_id", "state").order_by()
    }
    if campaign.results_published_at is not None:
        for commune, state in dossiers.values_list("commune_id", "state").order_by():
            public = LAUREATE if state == Application.State.ACCEPTED else CANDIDATE
            shown.setdefault(commune, (public, PUBLIC_STATES[public]))
    return shown


def map_features(campaign, user, result):
    """[(longitude, latitude, properties)] of the communes on the map of a call, by rank then code: the eligible
    ones of the pre-identification `result` with their need score, and the communes of the dossiers shown (see
    shown_dossiers)."""
    dossiers = shown_dossiers(campaign, user)
    by_id = {assessment.id: assessment for assessment in result.eligible}
    places = Territory.objects.filter(pk__in=[*by_id, *dossiers]).values_list(
        "pk", "code", "name", "departement__code", "longitude", "latitude"
    )
    features = []
    for pk, code, name, departement, longitude, latitude in places.order_by():
        if longitude is None or latitude is None:
            continue
        assessment = by_id.get(pk)
        state, label = dossiers.get(pk, (None, None))
        properties = {
            "code": code,
            "name": name,
            "departement": departement,
            "eligible": assessment is not None,
            "rank": assessment.rank if assessment else None,
            "score": assessment.score if assessment else None,
            "dossier": state,
            "dossier_label": label,
            "laureate": state in (Application.State.ACCEPTED, LAUREATE),
        }
        features.append((round(longitude, 5), round(latitude, 5), properties))
    features.sort(key=lambda f: (f[2]["rank"] is None, f[2]["rank"] or 0, f[2]["code"]))
    return features


def score_class(score):
    """The index of the class of a need score in SCORE_CLASSES."""
    return max(i for i, (low, _) in enumerate(SCORE_CLASSES) if score >= low)


def campaign_map(request, pk):
    campaign = campaign_or_404(request, pk)
    territory = campaign.territory
    result = cached_pre_identify(campaign)
    features = [properties for _, _, properties in map_features(campaign, request.user, result)]
    counts = [0] * len(SCORE_CLASSES)
    for properties in features:
        if properties["eligible"]:
            counts[score_class(properties["score"])] += 1
    bounds = [low for low, _ in SCORE_CLASSES[1:]] + [None]
    dossiers = sorted((p for p in features if p["dossier"]), key=lambda p: (not p["laureate"], p["name"], p["code"]))
    outline = reverse("api-v1:territory_geometries", args=[Level.DEPARTEMENT])
    if territory.level != Level.FRANCE:
        outline += f"?parent={territory.level}:{territory.code}"
    context = {
        "campaign": campaign,
        "score_legend": [
            (colour, low, high, count)
            for (low, colour), high, count in zip(SCORE_CLASSES, bounds, counts, strict=True)
        ],
        "eligible_count": sum(counts),
        "period": result.period,
        "dossiers": dossiers,
        "laureate_count": sum(1 for p in dossiers if p["laureate"]),
        "declined_count": sum(1 for p in dossiers if p["dossier"] in DECLINED),
        "candidate_count": sum(1 for p in dossiers if not p["laureate"] and p["dossier"] not in DECLINED),
        "dossiers_public": campaign.results_published_at is not None,
        "map_config": {
            "data": reverse("ami:map-data", args=[campaign.pk]),
            "outline": outline,
            "france": territory.level == Level.FRANCE,
            "scoreClasses": [[low, colour] for low, colour in SCORE_CLASSES],
            "territoryUrl": reverse("territories:detail", args=["commune", "__code__"]),
        },
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, "Carte de l’appel"),
    }
    return render(request, "ami/map.html", context)


@gzip_page
def campaign_map_data(request, pk):
    """The communes of the map of a call as GeoJSON points (their representative point)."""
    campaign = campaign_or_404(request, pk)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]}, "properties": properties}
            for lng, lat, properties in map_features(campaign, request.user, cached_pre_identify(campaign))
        ],
    }
    response = HttpResponse(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), content_type=GEOJSON)
    response["Content-Disposition"] = f'inline; filename="carte_ami_{campaign.pk}.geojson"'
    return response
