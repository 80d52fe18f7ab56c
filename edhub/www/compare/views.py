"""Comparison of 2 to 5 territories of any levels on every public indicator, with its CSV and XLSX exports.

The territories are in the query string (`?t=departement:94&t=departement:93`): a comparison is a shareable URL.
A territory is added by its name or its official code (`territoire=Créteil`), with suggestions while typing (htmx).
"""

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from edhub.indicators.coverage import status_label
from edhub.indicators.queries import COVERAGE_DECIMALS, compared
from edhub.territories.models import Level
from edhub.territories.queries import get_territory
from edhub.utils.exports import csv_response, xlsx_response
from edhub.utils.text import fold
from edhub.www.search.views import MAX_QUERY_LENGTH, matching_territories

MIN_TERRITORIES = 2
MAX_TERRITORIES = 5
MAX_SUGGESTIONS = 8


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


def _reference(territory):
    return f"{territory.level}:{territory.code}"


def _candidates(wanted, references):
    """The territories a visitor may mean by `wanted` ("niveau:code", an official code or the start of a name), the
    ones already compared left out."""
    level, _, code = wanted.partition(":")
    if level in Level.values and code.strip():
        territory = get_territory(level, code.strip())
        candidates = [territory] if territory else []
    else:
        candidates = matching_territories(wanted, limit=MAX_SUGGESTIONS + len(references))
    return [territory for territory in candidates if _reference(territory) not in references][:MAX_SUGGESTIONS]


def _chosen(wanted, candidates):
    """The candidate `wanted` designates without doubt: the only one, or the only one of that exact code or name."""
    if len(candidates) == 1:
        return candidates[0]
    exact = [t for t in candidates if t.code.upper() == wanted.upper() or t.search_name == fold(wanted)]
    return exact[0] if len(exact) == 1 else None


def _suggestions(references, candidates):
    return [{"territory": t, "url": _url([*references, _reference(t)])} for t in candidates]


def _footnotes(rows):
    """The sources of the compared indicators, numbered in order of first use; each row gets the numbers of its own
    sources (`notes`), shown as footnote calls instead of a column of titles."""
    numbers = {}
    for row in rows:
        row["notes"] = [numbers.setdefault(source.slug, (len(numbers) + 1, source))[0] for source in row["sources"]]
    return [{"number": number, "source": source} for number, source in numbers.values()]


def _header(territories):
    """Per territory: its value, the coverage of the value (0 to 1) and the status of that coverage."""
    columns = []
    for t in territories:
        name = f"{t.name} ({t.get_level_display()} {t.code})"
        columns += [name, f"{name} : couverture (0 à 1)", f"{name} : statut de la couverture"]
    return ["Indicateur", "Unité", "Période", *columns]


def _export_rows(rows):
    for row in rows:
        indicator = row["indicator"]
        cells = []
        for cell in row["values"]:
            if cell is None:  # the indicator does not exist at this territory's level
                cells += [None, None, "indicateur inexistant à ce niveau"]
                continue
            value, coverage = indicator.round(cell["value"]), cell["coverage"]
            cells += [value, None if coverage is None else round(coverage, COVERAGE_DECIMALS)]
            cells.append(status_label(value, coverage))
        yield [indicator.label, indicator.unit, row["period"] or "", *cells]


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
    wanted = request.GET.get("territoire", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    candidates = _candidates(wanted, references) if wanted else []
    chosen = _chosen(wanted, candidates) if wanted else None
    if chosen is not None:
        # The form adds a territory: back to the canonical, shareable URL.
        return redirect(_url([*dict.fromkeys([*references, _reference(chosen)])]))
    territories, errors = _resolve(dict.fromkeys(references))
    rows = compared(territories) if territories and not errors and len(territories) >= MIN_TERRITORIES else None
    fmt = request.GET.get("format")
    if rows is not None and fmt in ("csv", "xlsx"):
        return _export(fmt, territories, rows)
    kept = [_reference(t) for t in territories]
    context = {
        "active_nav": "compare",
        "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Comparer des territoires"},
        "territories": [
            {"territory": t, "remove_url": _url([ref for ref in kept if ref != _reference(t)])} for t in territories
        ],
        "references": kept,
        "errors": errors,
        "rows": rows,
        "notes": _footnotes(rows) if rows is not None else [],
        "wanted": wanted,
        "suggestions": _suggestions(kept, candidates),
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


def suggestions(request):
    """The territories matching what the visitor is typing, each a link adding it to the comparison (htmx)."""
    references = [reference.strip() for reference in request.GET.getlist("t") if reference.strip()]
    wanted = request.GET.get("territoire", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    candidates = _candidates(wanted, references) if wanted else []
    context = {"wanted": wanted, "suggestions": _suggestions(references, candidates)}
    return render(request, "compare/_suggestions.html", context)
