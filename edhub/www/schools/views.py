from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from edhub.inventories.columns import DATA_COLUMNS
from edhub.inventories.models import Declaration
from edhub.opendata.provenance import describe_run
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
            "api_url": reverse("api-v1:school_detail", kwargs={"uai": school.uai}),
        },
    )


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
