from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from edhub.ami.followup import observatory_use
from edhub.ami.models import Application, ApplicationSchool
from edhub.inventories.columns import DATA_COLUMNS
from edhub.inventories.models import Declaration, Technology
from edhub.opendata.provenance import describe_run
from edhub.opendata.values import school_years
from edhub.schools.models import School, SchoolFigure, Variable
from edhub.territories.queries import CHAIN_DEPTH, chain_fields, parent_chain, run_fields
from edhub.www.templatetags.edhub import fr_decimal, fr_int
from edhub.www.territories.views import breadcrumb

VARIABLE_ORDER = {variable: rank for rank, variable in enumerate(Variable.values)}
# Indices are shown with a decimal, counts as integers.
DECIMAL_VARIABLES = (Variable.IPS, Variable.IPS_STD, Variable.IPS_GT, Variable.IPS_PRO)


def detail(request, uai):
    school = (
        School.objects.select_related("run", parent_chain("commune__", CHAIN_DEPTH - 1))
        .only(
            *(field.name for field in School._meta.concrete_fields),
            *run_fields("run__"),
            *(f"commune__{name}" for name in ("level", "code", "name", "parent")),
            *chain_fields("commune__", CHAIN_DEPTH - 1),
        )
        .annotate(followed=Exists(connected_by_a_call().filter(school=OuterRef("pk"))))
        .filter(uai=uai.upper().replace("\x00", ""))
        .first()
    )
    if school is None:
        raise Http404(f"École ou établissement inconnu : {uai}")

    figures = sorted(
        school.figures.select_related("run").only(
            *(f.name for f in SchoolFigure._meta.concrete_fields), *run_fields("run__")
        ),
        key=lambda f: (-f.rentree, VARIABLE_ORDER.get(f.variable, 99)),
    )
    declarations = Declaration.objects.filter(school=school).select_related("upload__territory", "upload__run")
    declarations = declarations.in_force()
    runs = {school.run_id: school.run} | {figure.run_id: figure.run for figure in figures}
    runs |= {row.upload.run_id: row.upload.run for row in declarations}
    if school.commune:
        crumbs = breadcrumb(school.commune, current=school.name)
    else:
        crumbs = {"root_dir": reverse("home"), "links": [], "current": school.name}
    return render(
        request,
        "schools/detail.html",
        {
            "school": school,
            "breadcrumb_data": crumbs,
            "identity_provenance": describe_run(school.run),
            "figures": [{"figure": figure, "sources": [describe_run(figure.run)]} for figure in figures],
            "provenances": [describe_run(run) for run in runs.values()],
            "decimal_variables": DECIMAL_VARIABLES,
            "declarations": [{"declaration": row, "values": declared_values(row)} for row in declarations],
            "followed_connection": followed_connection(school, declarations) if school.followed else None,
            "api_url": reverse("api-v1:school_detail", kwargs={"uai": school.uai}),
        },
    )


def connected_by_a_call():
    """The schools of accepted dossiers that the follow-up of a call marks connected."""
    return ApplicationSchool.objects.filter(
        application__state=Application.State.ACCEPTED, works=ApplicationSchool.Works.CONNECTED
    )


def followed_connection(school, declarations):
    """The connection of the school that the observatory reads from the follow-up of a call, in words (None when it
    reads a newer declaration): which call, when, what technology and speed, for what rentrée."""
    use = observatory_use([school.uai]).get(school.uai)
    if use is None or not use.used:
        return None
    connection = use.connection
    # The follow-up the observatory reads: the latest one (followed_connections), of the same update time.
    concerned = (
        connected_by_a_call()
        .filter(school=school, works_updated_at=connection.recorded_at)
        .select_related("application__campaign")
        .order_by("-pk")
        .first()
    )
    if concerned is None:
        return None
    mbps = connection.download_mbps
    if mbps is None:
        speed = "débit non mesuré"
    else:
        speed = f"{fr_int(mbps) if mbps.is_integer() else fr_decimal(mbps)}\u00a0Mbit/s"
    return {
        "campaign": concerned.application.campaign,
        "connected_on": concerned.connected_on,
        "technology": Technology(connection.technology).label,
        "speed": speed,
        "school_year": school_years({connection.rentree}),
        "replaces_declaration": any(row.rentree == connection.rentree for row in declarations),
    }


def declared_values(declaration):
    """[(label, value as shown)] of a declaration, in template order; None for an unknown value ("N.C.")."""
    values = []
    for column in DATA_COLUMNS:
        value = getattr(declaration, column.name)
        if value is None:
            pass
        elif column.kind == "flag":
            value = "Oui" if value else "Non"
        elif column.kind == "speed":
            value = f"{fr_decimal(value)}\u00a0Mbit/s"
        elif column.kind in ("count", "classes"):
            value = fr_int(value)
        elif column.kind == "technology":
            value = declaration.get_technology_display() or None
        elif column.kind == "text":
            value = value or None
        values.append((column.header, value))
    return values
