"""Comparison of 2 to 5 territories of any levels on every public indicator, with its CSV and XLSX exports.

The territories are in the query string (`?t=departement:94&t=departement:93`): a comparison is a shareable URL.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from edhub.indicators.queries import compared
from edhub.territories.models import Level
from edhub.territories.queries import get_territory
from edhub.utils.exports import csv_response, xlsx_response

MIN_TERRITORIES = 2
MAX_TERRITORIES = 5


def _url(references, **params):
    query = [("t", reference) for reference in references] + list(params.items())
    return f"{reverse('compare:index')}?{urlencode(query)}" if query else reverse("compare:index")


def _resolve(references):
    """The territories named by "niveau:code" references, and the French errors of the others."""
    territories, errors = [], []
    for reference in references:
        level, _, code = reference.partition(":")
        if level not in Level.values or not code:
            errors.append(f"« {reference} » n’est pas un territoire : écrire niveau:code, par exemple departement:94.")
            continue
        territory = get_territory(level, code)
        if territory is None:
            errors.append(f"Territoire inconnu : « {reference} » (niveau {Level(level).label.lower()}, code {code}).")
        elif territory not in territories:
            territories.append(territory)
    if not errors and len(territories) > MAX_TERRITORIES:
        errors.append(
            f"On compare au plus {MAX_TERRITORIES} territoires : retirez-en {len(territories) - MAX_TERRITORIES}."
        )
    elif not errors and len(territories) == 1:
        errors.append(
            f"Ajoutez au moins un autre territoire : on compare de {MIN_TERRITORIES} à {MAX_TERRITORIES} territoires."
        )
    return territories, errors


def _header(territories):
    return ["Indicateur", "Unité", "Période", *(f"{t.name} ({t.get_level_display()} {t.code})" for t in territories)]


def _export_rows(rows):
    for row in rows:
        indicator = row["indicator"]
        values = [None if cell is None else indicator.round(cell["value"]) for cell in row["values"]]
        yield [indicator.label, indicator.unit, row["period"] or "", *values]


def _sources_rows(rows):
    for row in rows:
        indicator = row["indicator"]
        yield [
            indicator.label,
            indicator.slug,
            indicator.definition,
            " ; ".join(source.title for source in row["sources"]),
            " ; ".join(dict.fromkeys(source.licence for source in row["sources"] if source.licence)),
            indicator.period_rule,
        ]


def _export(fmt, territories, rows):
    name = "comparaison_" + "_".join(f"{t.level}-{t.code}" for t in territories)
    header = _header(territories)
    if fmt == "csv":
        return csv_response(f"{name}.csv", header, _export_rows(rows))
    extracted = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    sources_header = ["Indicateur", "Identifiant", "Définition", "Sources", "Licence", "Période"]
    return xlsx_response(
        f"{name}.xlsx",
        [
            ("Comparaison", header, _export_rows(rows)),
            ("Source", sources_header, [*_sources_rows(rows), [f"Extraction edhub du {extracted}"]]),
        ],
    )


def index(request):
    references = [reference.strip() for reference in request.GET.getlist("t") if reference.strip()]
    code = request.GET.get("code", "").strip()
    if code:
        # The form adds a territory: back to the canonical, shareable URL.
        return redirect(_url([*dict.fromkeys([*references, f"{request.GET.get('niveau', '')}:{code}"])]))
    territories, errors = _resolve(dict.fromkeys(references))
    rows = compared(territories) if territories and not errors and len(territories) >= MIN_TERRITORIES else None
    fmt = request.GET.get("format")
    if rows is not None and fmt in ("csv", "xlsx"):
        return _export(fmt, territories, rows)
    kept = [f"{t.level}:{t.code}" for t in territories]
    context = {
        "active_nav": "compare",
        "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Comparer des territoires"},
        "territories": [
            {"territory": t, "remove_url": _url([ref for ref in kept if ref != f"{t.level}:{t.code}"])}
            for t in territories
        ],
        "references": kept,
        "errors": errors,
        "rows": rows,
        "levels": [(level, label) for level, label in Level.choices],
        "can_add": len(territories) < MAX_TERRITORIES,
        "max_territories": MAX_TERRITORIES,
        "exports": [
            {"label": "CSV", "url": _url(kept, format="csv")},
            {"label": "XLSX", "url": _url(kept, format="xlsx")},
        ]
        if rows is not None
        else [],
    }
    return render(request, "compare/index.html", context, status=400 if errors else 200)
