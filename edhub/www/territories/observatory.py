"""The observatory on a territory sheet: its indicators beside its parents and France, the children ranked by an
indicator, the charts' data and a few indicators of each school listed."""

from collections import defaultdict
from urllib.parse import urlencode

from django.urls import reverse

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.inputs import REGISTRY_SOURCES
from edhub.indicators.models import IndicatorValue
from edhub.indicators.queries import indicators_for

# The indicator charted while the children tables keep their default ranking (by population).
DEFAULT_RANKING = "population"
# School columns of the schools table: label and the school-level indicators filling it (a school has one of them).
SCHOOL_COLUMNS = {
    "Élèves": ("eleves_ecoles", "eleves_colleges"),
    "IPS": ("ips_ecoles", "ips_colleges", "ips_lycees"),
}
REGISTRY_TITLE = "Répertoire des écoles et établissements (annuaire, géolocalisation, IPS et effectifs)"
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "XLSX"), ("geojson", "GeoJSON"))


def source_titles(sources):
    """The titles of `sources`, the sources of the school registry named once as such."""
    slugs = [source.slug for source in sources]
    titles = [source.title for source in sources if source.slug not in REGISTRY_SOURCES]
    if set(REGISTRY_SOURCES) <= set(slugs):
        titles.insert(slugs.index(REGISTRY_SOURCES[0]), REGISTRY_TITLE)
    else:
        titles = [source.title for source in sources]
    return " ; ".join(dict.fromkeys(titles))


def sheet(territory):
    """The indicators of `territory` grouped by theme, in one query (see indicators_for).

    Returns {parents, themes: [{title, rows, sources}], computed, evolutions, by_slug}: each row carries the values
    of the parents in the order of `parents` (None where the indicator does not exist at a parent's level) and the
    number of its sources in the theme's footnote `sources` (the table names its sources once, below it, so that
    its row headers stay as narrow as the indicators' names).
    """
    parents = territory.ancestors()
    themes = defaultdict(list)
    evolutions = []
    by_slug = {}
    for row in indicators_for(territory):
        indicator = row["indicator"]
        by_parent = {comparison["territory"].pk: comparison for comparison in row["comparisons"]}
        row = {
            **row,
            "cells": [by_parent.get(parent.pk) for parent in parents],
            "source_titles": source_titles(row["sources"]),
        }
        themes[indicator.theme].append(row)
        by_slug[indicator.slug] = row
        if len(row["history"]) > 1:
            pairs = [(point["period"], point["value"]) for point in row["history"]]
            title = f"Évolution : {indicator.label} ({indicator.unit}), par période"
            evolutions.append(chart(f"evolution-{indicator.slug}", "line", title, indicator, pairs))
    return {
        "parents": parents,
        "themes": [footnoted(title, rows) for title, rows in themes.items()],
        "computed": any(row["period"] for row in by_slug.values()),
        "evolutions": evolutions,
        "by_slug": by_slug,
    }


def footnoted(title, rows):
    """A theme's table: its rows, each with the number of its sources (`source_number`: `note` is the engine's note
    of the value), and the sources in the order of their numbers."""
    sources = list(dict.fromkeys(row["source_titles"] for row in rows))
    for row in rows:
        row["source_number"] = sources.index(row["source_titles"]) + 1
    return {"title": title, "rows": rows, "sources": sources}


def ranking_choices(rows_by_slug):
    """[(theme, [(slug, label)])] of the computed indicators a children table can be ranked by."""
    themes = defaultdict(list)
    for slug, row in rows_by_slug.items():
        if row["period"] is not None:
            themes[row["indicator"].theme].append((slug, row["indicator"].label))
    return list(themes.items())


def child_values(children, indicator, period):
    """{territory id: (value, coverage)} of `children` for the indicator at `period`, in one query."""
    if period is None:
        return {}
    rows = IndicatorValue.objects.filter(
        indicator=indicator.slug, period=period, territory_id__in=[child.pk for child in children]
    ).values_list("territory_id", "value", "coverage")
    return {pk: (indicator.round(value), coverage) for pk, value, coverage in rows}


def ranked(children, values):
    """The children from the highest value of the indicator to the lowest, "N.C." last, then by name."""
    return sorted(
        children,
        key=lambda child: (
            values.get(child.pk, (None,))[0] is None,
            -(values.get(child.pk, (0,))[0] or 0),
            child.name,
        ),
    )


def chart(chart_id, kind, title, indicator, pairs):
    """What includes/chart.html draws: a Chart.js chart of (label, value) pairs and its data table."""
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "indicator": indicator,
        "pairs": pairs,
        "data": {
            "type": kind,
            "title": title,
            "unit": indicator.unit,
            "decimals": indicator.decimals,
            "labels": [label for label, _ in pairs],
            "values": [value for _, value in pairs],
        },
    }


def distribution_chart(level, level_title, territory, indicator, period, children, values):
    """The ranked bar chart of the children's values (None when no child has a value)."""
    pairs = [
        (child.name, values[child.pk][0])
        for child in ranked(children, values)
        if values.get(child.pk, (None,))[0] is not None
    ]
    if not pairs:
        return None
    title = f"{level_title} de {territory.name} : {indicator.label} ({indicator.unit}), {period}"
    return chart(f"repartition-{level}", "bar", title, indicator, pairs)


def export_links(indicator, level, territory):
    """The API exports of the values of `indicator` for the children of `level` of `territory`."""
    url = reverse("api-v1:indicator_values", kwargs={"slug": indicator.slug})
    parent = f"{territory.level}:{territory.code}"
    return [
        {"label": label, "format": fmt, "url": f"{url}?{urlencode({'level': level, 'parent': parent, 'format': fmt})}"}
        for fmt, label in EXPORT_FORMATS
    ]


def school_rows(schools):
    """[(school, [(value, period, indicator) or None for each SCHOOL_COLUMNS])] of `schools`, in one query."""
    column_of = {slug: column for column, slugs in SCHOOL_COLUMNS.items() for slug in slugs}
    rows = IndicatorValue.objects.filter(school_id__in=[school.uai for school in schools], indicator__in=column_of)
    found = defaultdict(dict)
    # Latest period last: it overwrites the older ones.
    for uai, slug, period, value in rows.values_list("school_id", "indicator", "period", "value").order_by("period"):
        indicator = CATALOGUE[slug]
        found[uai][column_of[slug]] = (indicator.round(value), period, indicator)
    return [(school, [found[school.uai].get(column) for column in SCHOOL_COLUMNS]) for school in schools]
