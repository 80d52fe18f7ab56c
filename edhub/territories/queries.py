"""Read-side queries on territories shared by the site and the API: lookup, children, school counts, communes.

Each function runs a fixed number of queries whatever the size of the territory.
"""

from django.db.models import Count, F, Q, Sum

from edhub.schools.models import Kind, School, Sector, State
from edhub.territories.models import RURAL_DENSITY_LEVELS, Level, Territory, TerritoryAlias

# Which levels are listed as the children of a territory, in display order.
CHILD_LEVELS = {
    Level.FRANCE: (Level.REGION_ACADEMIQUE,),
    Level.REGION_ACADEMIQUE: (Level.ACADEMIE,),
    Level.ACADEMIE: (Level.DEPARTEMENT,),
    Level.REGION: (Level.DEPARTEMENT,),
    Level.DEPARTEMENT: (Level.EPCI, Level.COMMUNE),
    Level.EPCI: (Level.COMMUNE,),
    Level.COMMUNE: (Level.ARRONDISSEMENT,),
    Level.ARRONDISSEMENT: (),
}
# Levels with a direct link on communes, EPCI and départements (see Territory.departement etc.).
LINKED_LEVELS = (Level.REGION_ACADEMIQUE, Level.ACADEMIE, Level.REGION, Level.DEPARTEMENT, Level.EPCI)
LEVEL_ORDER = {level: rank for rank, level in enumerate(Level.values)}
CHAIN_DEPTH = 5  # arrondissement → commune → département → académie → région académique → France


def parent_chain(prefix="", depth=CHAIN_DEPTH):
    """The select_related path loading the parent chain of the territory at `prefix`."""
    return prefix + "__".join(["parent"] * depth)


def chain_fields(prefix="", depth=CHAIN_DEPTH):
    """The only() fields of a parent chain: what a breadcrumb needs of each ancestor."""
    return [
        f"{prefix}{'parent__' * d}{name}" for d in range(1, depth + 1) for name in ("level", "code", "name", "parent")
    ]


def run_fields(prefix=""):
    """The only() fields of an import run: all but the rejected rows, which may weigh megabytes. The run's model is
    the one territories name (Territory.density_run): territories import nothing from opendata, which writes them."""
    run_model = Territory._meta.get_field("density_run").related_model
    return [f"{prefix}{field.name}" for field in run_model._meta.concrete_fields if field.name != "rejections"]


def parse_level(value):
    """The Level for a URL or query value, or None."""
    return Level(value) if value in Level.values else None


def get_territory(level, code, *, geometry=False):
    """The territory with this level and code, its parent chain loaded, or None.

    A former commune code (merged commune) resolves to today's commune. The contour is loaded on demand.
    """
    if parse_level(level) is None or "\x00" in code:
        return None
    own = [field.name for field in Territory._meta.concrete_fields if geometry or field.name != "geometry"]
    territories = Territory.objects.select_related(parent_chain(), "successor", "density_run").only(
        *own, *chain_fields(), "successor__level", "successor__code", "successor__name", *run_fields("density_run__")
    )
    territory = territories.filter(level=level, code=code).first()
    if territory is None and level == Level.COMMUNE:
        alias = TerritoryAlias.objects.filter(code=code).values_list("territory_id", flat=True).first()
        if alias is not None:
            territory = territories.filter(pk=alias).first()
    return territory


def children_of(territory, level):
    """The current territories of `level` directly inside `territory`, largest population first."""
    children = Territory.objects.current().filter(level=level).only("level", "code", "name", "population")
    if territory.level in LINKED_LEVELS and level in (Level.EPCI, Level.DEPARTEMENT, Level.COMMUNE):
        # Communes, EPCI and départements link to every enclosing level: one indexed lookup.
        children = children.filter(**{territory.level: territory})
    elif territory.level != Level.FRANCE:
        children = children.filter(parent=territory)
    return children.order_by(F("population").desc(nulls_last=True), "name", "code")


def counted_schools(territory=None):
    """The schools (of `territory`) that count in the figures: all of the registry but the closed ones."""
    schools = School.objects.exclude(state=State.CLOSED)
    return schools if territory is None else schools.in_territory(territory)


def departements_count(territory):
    """The number of current départements of a territory made of départements (France, région, académie…)."""
    return Territory.objects.current().filter(territory.inside(), level=Level.DEPARTEMENT).count()


def school_breakdown(territory):
    """Number of schools by kind and sector: {"total": n, "rows": [{kind, label, public, prive, total}]}."""
    rows = {}
    total = 0
    counts = counted_schools(territory).values_list("kind", "sector").annotate(n=Count("uai"))
    for kind, sector, n in counts.order_by():
        row = rows.setdefault(kind, {"kind": kind, "label": Kind(kind).label, "public": 0, "prive": 0, "total": 0})
        if sector in Sector.values:
            row[sector] += n
        row["total"] += n
        total += n
    ordered = [rows[kind] for kind in Kind.values if kind in rows]
    return {
        "total": total,
        "public": sum(row["public"] for row in ordered),
        "prive": sum(row["prive"] for row in ordered),
        "rows": ordered,
    }


def communes_summary(territory):
    """Communes inside the territory and their rurality (INSEE density grid): counts and population."""
    if territory.level in (Level.COMMUNE, Level.ARRONDISSEMENT):
        return None
    rural = Q(density_level__in=RURAL_DENSITY_LEVELS)
    return (
        Territory.objects.current()
        .filter(territory.inside(), level=Level.COMMUNE)
        .aggregate(
            communes=Count("id"),
            total_population=Sum("population"),
            with_density=Count("id", filter=Q(density_level__isnull=False)),
            rural=Count("id", filter=rural),
            rural_population=Sum("population", filter=rural),
            estimated=Count("id", filter=Q(density_level__isnull=False, density_run__isnull=True)),
        )
    )
