import re

from django.db.models import Case, F, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse

from edhub.schools.models import School, State
from edhub.territories.models import Level, Territory
from edhub.territories.queries import LEVEL_ORDER, get_territory

UAI = re.compile(r"^\d{7}[A-Z]$")
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTCODE = re.compile(r"^\d{5}$")
MAX_TERRITORIES = 20
MAX_SCHOOLS = 50
MAX_QUERY_LENGTH = 100


def _exact_match(query):
    """The page an exact UAI or commune code leads to, or None."""
    code = query.upper()
    if UAI.match(code) and School.objects.filter(uai=code).exists():
        return School(uai=code)
    if COMMUNE_CODE.match(code):
        return get_territory(Level.COMMUNE, code) or get_territory(Level.ARRONDISSEMENT, code)
    return None


def results(request):
    """Territories and schools whose name or code matches, accent- and case-insensitive.

    An exact UAI or commune code goes straight to its page. htmx requests get the results fragment only.
    """
    query = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    context = {
        "query": query,
        "territories": [],
        "schools": [],
        "schools_count": 0,
        "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Recherche"},
    }
    if query:
        exact = _exact_match(query)
        if exact is not None and not request.headers.get("HX-Request"):
            return redirect(exact)
        # Larger levels first, then communes and arrondissements by population.
        rank = Case(
            *(When(level=level, then=Value(LEVEL_ORDER[level])) for level in Level.values if level != Level.COMMUNE),
            default=Value(LEVEL_ORDER[Level.ARRONDISSEMENT]),
            output_field=IntegerField(),
        )
        context["territories"] = list(
            Territory.objects.current()
            .search(query)
            .select_related("departement")
            .defer("geometry", "departement__geometry")
            .order_by(rank, F("population").desc(nulls_last=True), "name")[:MAX_TERRITORIES]
        )
        schools = School.objects.search(query)
        if POSTCODE.match(query):
            schools = schools | School.objects.filter(postcode=query)
        closed_last = Case(When(state=State.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
        schools = schools.select_related("commune").defer("commune__geometry").order_by(closed_last, "name", "uai")
        context["schools"] = list(schools[:MAX_SCHOOLS])
        context["schools_count"] = (
            len(context["schools"]) if len(context["schools"]) < MAX_SCHOOLS else schools.count()
        )
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/results.html"
    return render(request, template, context)
