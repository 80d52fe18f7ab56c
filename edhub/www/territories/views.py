from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from edhub.indicators.catalogue import CATALOGUE
from edhub.opendata.provenance import latest_runs
from edhub.schools.models import School, State
from edhub.territories import queries
from edhub.territories.models import Level, Territory
from edhub.www.territories.figures import key_figures
from edhub.www.territories.forms import SchoolFilterForm
from edhub.www.territories.observatory import (
    DEFAULT_RANKING,
    SCHOOL_COLUMNS,
    child_values,
    distribution_chart,
    export_links,
    ranked,
    ranking_choices,
    school_rows,
    sheet,
)

# The count of schools beside each child territory: the observatory's, with its coverage.
SCHOOL_COUNT = "etablissements"
CHILDREN_PER_PAGE = 50
SCHOOLS_PER_PAGE = 50
CHILD_TITLES = {
    Level.REGION_ACADEMIQUE: "Régions académiques",
    Level.ACADEMIE: "Académies",
    Level.DEPARTEMENT: "Départements",
    Level.EPCI: "EPCI",
    Level.COMMUNE: "Communes",
    Level.ARRONDISSEMENT: "Arrondissements municipaux",
}


def index(request):
    """The entry of the territories: France, once the reference geography is loaded."""
    france = Territory.objects.filter(level=Level.FRANCE).only("level", "code").first()
    if france is None:
        context = {
            "active_nav": "territories",
            "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Territoires"},
        }
        return render(request, "territories/not_loaded.html", context, status=404)
    return redirect(france)


def breadcrumb(territory, current=None):
    """DSFR breadcrumb data from France down to `territory` (linked when `current` names another page)."""
    chain = [*reversed(territory.ancestors()), territory] if current else [*reversed(territory.ancestors())]
    return {
        "root_dir": reverse("home"),
        "links": [{"url": node.get_absolute_url(), "title": node.name} for node in chain],
        "current": current or territory.name,
    }


def _ranking(request, observatory):
    """The indicator chosen to rank the children (?classement=slug), or None for the default ranking."""
    slug = request.GET.get("classement", "")
    row = observatory["by_slug"].get(slug)
    return row if row is not None and row["period"] is not None else None


def _children_tables(request, territory, observatory, ranking):
    """The children tables, ranked by population or by the chosen indicator, each with its distribution chart."""
    charted = ranking or observatory["by_slug"].get(DEFAULT_RANKING)
    schools_period = observatory["by_slug"][SCHOOL_COUNT]["period"]
    tables = []
    for level in queries.CHILD_LEVELS[territory.level]:
        children = list(queries.children_of(territory, level))
        if not children:
            continue
        title = CHILD_TITLES[level]
        values, chart, exports = {}, None, []
        if charted is not None and charted["period"] is not None:
            indicator, period = charted["indicator"], charted["period"]
            values = child_values(children, indicator, period)
            chart = distribution_chart(level, title, territory, indicator, period, children, values)
            exports = export_links(indicator, level, territory)
        if ranking is not None:
            children = ranked(children, values)
        param = f"page_{level}"
        page = Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get(param))
        counts = child_values(page.object_list, CATALOGUE[SCHOOL_COUNT], schools_period)
        rows = [
            {
                "rank": page.start_index() + index,
                "territory": child,
                "schools": counts.get(child.pk, (None, None)),
                "value": values.get(child.pk, (None, None))[0],
                "coverage": values.get(child.pk, (None, None))[1],
            }
            for index, child in enumerate(page.object_list)
        ]
        tables.append(
            {
                "level": level,
                "title": title,
                "page": page,
                "param": param,
                "rows": rows,
                "chart": chart,
                "charted": charted,
                "exports": exports,
            }
        )
    return tables


def detail(request, level, code):
    territory = queries.get_territory(level, code)
    if territory is None:
        raise Http404(f"Territoire inconnu : {level} {code}")
    if (territory.level, territory.code) != (level, code):
        # A former commune code: today's commune.
        return redirect(territory, permanent=True)

    breakdown = queries.school_breakdown(territory)
    form = SchoolFilterForm(request.GET)
    closed_last = Case(When(state=State.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    schools = (
        form.filter(School.objects.in_territory(territory))
        .select_related("commune")
        .defer("commune__geometry")
        .order_by(closed_last, "commune__name", "name", "uai")
    )
    schools_page = Paginator(schools, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    observatory = sheet(territory)
    ranking = _ranking(request, observatory)
    children_tables = _children_tables(request, territory, observatory, ranking)
    export = {"territory": f"{territory.level}:{territory.code}", **form.api_params(), "format": "csv"}

    return render(
        request,
        "territories/detail.html",
        {
            "active_nav": "territories",
            "territory": territory,
            "breadcrumb_data": breadcrumb(territory),
            "figures": key_figures(territory, latest_runs(), observatory["by_slug"]),
            "breakdown": breakdown,
            "observatory": observatory,
            "ranking": ranking,
            "ranking_choices": ranking_choices(observatory["by_slug"]),
            "children_tables": children_tables,
            "has_charts": bool(observatory["evolutions"]) or any(table["chart"] for table in children_tables),
            "compare_url": _compare_url(territory),
            "form": form,
            "schools_page": schools_page,
            "school_columns": list(SCHOOL_COLUMNS),
            "school_rows": school_rows(schools_page.object_list),
            "csv_url": f"{reverse('api-v1:list_schools')}?{urlencode(export)}",
            "api_url": reverse("api-v1:territory_detail", kwargs={"level": territory.level, "code": territory.code}),
        },
    )


def _compare_url(territory):
    """The comparison of the territory with its parent, or None for France."""
    if territory.parent is None:
        return None
    references = [f"{node.level}:{node.code}" for node in (territory, territory.parent)]
    return f"{reverse('compare:index')}?{urlencode([('t', reference) for reference in references])}"
