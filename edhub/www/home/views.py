from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render

from edhub.indicators.measures import COUNTED_FAMILIES, FAMILY_OF_KIND
from edhub.indicators.models import IndicatorValue
from edhub.opendata.provenance import describe_run, latest_runs, source_info
from edhub.opendata.sources import SOURCES
from edhub.schools.models import Kind, SchoolFigure, Variable
from edhub.territories.models import Level, Territory, TerritoryFigure
from edhub.territories.queries import counted_schools

COUNTED_LEVELS = (
    Level.REGION_ACADEMIQUE,
    Level.ACADEMIE,
    Level.REGION,
    Level.DEPARTEMENT,
    Level.EPCI,
    Level.COMMUNE,
    Level.ARRONDISSEMENT,
)


def _has_figure(variable):
    return Exists(SchoolFigure.objects.filter(school=OuterRef("pk"), variable=variable, value__isnull=False))


def complete_departements():
    """{family: (départements where every school of the family is listed, départements)} at the latest period, from
    the observatory's counts of the départements (see SchoolCount); a family not computed is left out."""
    rows = IndicatorValue.objects.filter(level=Level.DEPARTEMENT, indicator__in=COUNTED_FAMILIES)
    periods = defaultdict(lambda: defaultdict(list))
    for family, period, value in rows.values_list("indicator", "period", "value").order_by():
        periods[family][period].append(value is not None)
    return {family: (sum(found[max(found)]), len(found[max(found)])) for family, found in periods.items()}


def home(request):
    """What is loaded: sources and vintages, territories per level, schools per kind, coverage of the figures."""
    runs = latest_runs()
    sources = [{**describe_run(run), "run": run} for run in runs.values()]
    not_loaded = [source_info(slug) for slug in SOURCES if slug not in runs]

    per_level = dict(Territory.objects.current().values_list("level").annotate(n=Count("id")).order_by())
    levels = [{"label": Level(level).label, "count": per_level.get(level, 0)} for level in COUNTED_LEVELS]

    per_kind = dict(counted_schools().values_list("kind").annotate(n=Count("uai")).order_by())
    complete = complete_departements()
    kinds = [
        {"label": label, "count": per_kind[kind], "complete": complete.get(FAMILY_OF_KIND.get(kind))}
        for kind, label in Kind.choices
        if per_kind.get(kind)
    ]
    coverage = counted_schools().aggregate(
        total=Count("uai"),
        located=Count("uai", filter=Q(latitude__isnull=False, longitude__isnull=False)),
        with_ips=Count("uai", filter=_has_figure(Variable.IPS)),
        with_pupils=Count("uai", filter=_has_figure(Variable.PUPILS)),
    )

    missing = []
    if not per_level.get(Level.COMMUNE):
        missing.append(("Référentiel géographique (communes, EPCI, départements, académies)", "edhub setup"))
    if not coverage["total"]:
        missing.append(("Répertoire des écoles et établissements", "edhub fetch && edhub import"))
    elif not coverage["with_pupils"] and not coverage["with_ips"]:
        missing.append(("Effectifs et indices de position sociale (IPS) des écoles", "edhub fetch && edhub import"))
    if per_level.get(Level.COMMUNE) and not TerritoryFigure.objects.exists():
        missing.append(("Données de connectivité des communes (Arcep)", "edhub fetch && edhub import"))

    return render(
        request,
        "home/home.html",
        {
            "active_nav": "home",
            "sources": sources,
            "not_loaded": not_loaded,
            "levels": levels,
            "kinds": kinds,
            "coverage": coverage,
            "missing": missing,
        },
    )
