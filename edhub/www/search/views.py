import re

from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse

from edhub.schools.models import School, State
from edhub.territories.models import Level, Territory
from edhub.territories.queries import LEVEL_ORDER, get_territory
from edhub.utils.text import fold

UAI = re.compile(r"^\d{7}[A-Z]$")
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTCODE = re.compile(r"^\d{5}$")
MAX_TERRITORIES = 20
SCHOOLS_PER_PAGE = 50
MAX_QUERY_LENGTH = 100


def _exact_match(query):
    """The page an exact UAI or commune code leads to, or None."""
    code = query.upper()
    if UAI.match(code) and School.objects.filter(uai=code).exists():
        return School(uai=code)
    if COMMUNE_CODE.match(code):
        return get_territory(Level.COMMUNE, code) or get_territory(Level.ARRONDISSEMENT, code)
    return None


def matching_territories(query, limit=MAX_TERRITORIES):
    """Current territories whose code is `query` or one of whose words starts with it (accents, case and hyphens
    folded): larger levels first, then communes and arrondissements by population."""
    rank = Case(
        *(When(level=level, then=Value(LEVEL_ORDER[level])) for level in Level.values if level != Level.COMMUNE),
        default=Value(LEVEL_ORDER[Level.ARRONDISSEMENT]),
        output_field=IntegerField(),
    )
    return list(
        Territory.objects.current()
        .search(query)
        .select_related("departement")
        .defer("geometry", "departement__geometry")
        .order_by(rank, F("population").desc(nulls_last=True), "name")[:limit]
    )


def matching_schools(query):
    """Schools whose UAI is `query`, whose name contains it, or whose commune's name contains it as whole words
    (« creteil » lists Créteil's schools, « saint maur » Saint-Maur-des-Fossés' but not Saint-Maurice's), accents,
    case and hyphens folded; by postcode too. Open schools first, those of the communes so named before those so
    named, by commune, the most populated first."""
    folded = fold(query)
    in_commune = (
        Q(commune__search_name=folded)
        | Q(commune__search_name__startswith=f"{folded} ")
        | Q(commune__search_name__contains=f" {folded} ")
        | Q(commune__search_name__endswith=f" {folded}")
    )
    schools = School.objects.search(query)
    if folded:
        schools = schools | School.objects.filter(in_commune)
    if POSTCODE.match(query):
        schools = schools | School.objects.filter(postcode=query)
    closed_last = Case(When(state=State.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    in_commune_first = Case(When(in_commune, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        schools.select_related("commune")
        .defer("commune__geometry")
        .order_by(
            closed_last,
            in_commune_first,
            F("commune__population").desc(nulls_last=True),
            "commune__name",
            "name",
            "uai",
        )
    )


def results(request):
    """Territories and schools whose name or code matches, accent- and case-insensitive.

    An exact UAI or commune code goes straight to its page. htmx requests get the results fragment only.
    """
    query = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    context = {
        "query": query,
        "territories": [],
        "schools_page": None,
        "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Recherche"},
    }
    if query:
        exact = _exact_match(query)
        if exact is not None and not request.headers.get("HX-Request"):
            return redirect(exact)
        context["territories"] = matching_territories(query)
        schools = Paginator(matching_schools(query), SCHOOLS_PER_PAGE)
        context["schools_page"] = schools.get_page(request.GET.get("page"))
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/results.html"
    return render(request, template, context)
