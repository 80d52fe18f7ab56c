"""Read-side queries on indicator values, shared by the pages and the API. Each runs a fixed number of queries."""

from collections import defaultdict

from django.db.models import FilteredRelation, Q

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.models import SCHOOL_LEVEL, IndicatorState, IndicatorValue, Note
from edhub.opendata.provenance import source_info
from edhub.schools.models import School, State
from edhub.territories.models import Territory

COVERAGE_DECIMALS = 3
NOTE_LABELS = dict(Note.choices)


def periods_of(indicator):
    """The periods with values, latest first."""
    periods = IndicatorValue.objects.filter(indicator=indicator.slug).values_list("period", flat=True)
    return sorted(set(periods.distinct().order_by()), reverse=True)


def computed_at(indicator):
    state = IndicatorState.objects.filter(indicator=indicator.slug).only("computed_at").first()
    return state.computed_at if state else None


def values_at(indicator, level, period, parent=None):
    """[(code, name, value, coverage)] of every current territory of `level` (or school of the registry that the
    indicator is about, closed ones excepted) inside `parent`, ordered by code, in one query; value and coverage
    are None when unknown ("N.C."), rounded as the indicator says."""
    condition = Q(indicator_values__indicator=indicator.slug, indicator_values__period=period)
    if level == SCHOOL_LEVEL:
        rows = School.objects.exclude(state=State.CLOSED)
        kinds = (indicator.derived_from or indicator).measure.school_kinds
        if kinds:
            rows = rows.filter(kind__in=kinds)
        if parent is not None:
            rows = rows.in_territory(parent)
        rows = rows.order_by("uai").annotate(data=FilteredRelation("indicator_values", condition=condition))
        rows = rows.values_list("uai", "name", "data__value", "data__coverage")
    else:
        rows = Territory.objects.current().filter(level=level)
        if parent is not None:
            rows = rows.filter(parent.inside()).exclude(pk=parent.pk)
        rows = rows.order_by("code").annotate(data=FilteredRelation("indicator_values", condition=condition))
        rows = rows.values_list("code", "name", "data__value", "data__coverage")
    return [
        (code, name, indicator.round(value), None if coverage is None else round(coverage, COVERAGE_DECIMALS))
        for code, name, value, coverage in rows
    ]


def indicators_for(territory, *, public=True):
    """Every indicator that exists at the level of `territory`: its value and those of its parents up to France.

    Returns, in catalogue order, a list of dicts:
    - indicator (catalogue.Indicator), sources (list of opendata.provenance.SourceInfo);
    - period: the latest with a value in the territory or one of its parents (None when nothing is known);
    - value, coverage, note (and its note_label), numerator, denominator of the territory for that period (value
      None: "N.C.");
    - comparisons: [{territory, value, coverage, note, note_label}] of its parents, nearest first, for the same
      period;
    - history: [{period, value, coverage}] of the territory, oldest first.
    One query, whatever the number of indicators, when the parent chain is loaded (as get_territory does).
    """
    chain = [territory, *territory.ancestors()]
    rows = IndicatorValue.objects.filter(territory_id__in=[t.pk for t in chain]).values_list(
        "territory_id", "indicator", "period", "value", "coverage", "note", "numerator", "denominator"
    )
    values = defaultdict(dict)  # indicator -> {(territory id, period): row}
    for territory_id, slug, period, *row in rows:
        values[slug][territory_id, period] = row
    result = []
    for indicator in CATALOGUE.values():
        if territory.level not in indicator.levels or (public and not indicator.public):
            continue
        known = values.get(indicator.slug, {})
        periods = sorted({period for _, period in known})
        period = periods[-1] if periods else None
        own = known.get((territory.pk, period), (None,) * 5)
        result.append(
            {
                "indicator": indicator,
                "sources": [source_info(slug) for slug in indicator.sources],
                "period": period,
                **_described(own),
                "numerator": own[3],
                "denominator": own[4],
                "comparisons": [
                    {"territory": parent, **_described(known.get((parent.pk, period), (None,) * 5))}
                    for parent in chain[1:]
                    if parent.level in indicator.levels
                ],
                "history": [
                    {"period": p, "value": known[territory.pk, p][0], "coverage": known[territory.pk, p][1]}
                    for p in periods
                    if (territory.pk, p) in known
                ],
            }
        )
    return result


def _described(row):
    value, coverage, note = row[:3]
    label = NOTE_LABELS.get(note, note) if note else ""
    return {"value": value, "coverage": coverage, "note": note or "", "note_label": label}


def compared(territories, *, public=True):
    """Every indicator existing at the level of one of `territories`, with the value of each of them, in one query.

    Returns, in catalogue order, a list of dicts: indicator, sources, period (the latest with a value for one of
    the territories, None when nothing is known) and values: for each territory in order, {value, coverage, note,
    note_label}
    at that period (value None: "N.C."), or None where the indicator does not exist at its level.
    """
    rows = IndicatorValue.objects.filter(territory_id__in=[t.pk for t in territories]).values_list(
        "territory_id", "indicator", "period", "value", "coverage", "note"
    )
    values = defaultdict(dict)  # indicator -> {(territory id, period): row}
    for territory_id, slug, period, *row in rows:
        values[slug][territory_id, period] = row
    result = []
    for indicator in CATALOGUE.values():
        levels = [territory.level in indicator.levels for territory in territories]
        if not any(levels) or (public and not indicator.public):
            continue
        known = values.get(indicator.slug, {})
        period = max((period for _, period in known), default=None)
        result.append(
            {
                "indicator": indicator,
                "sources": [source_info(slug) for slug in indicator.sources],
                "period": period,
                "values": [
                    _described(known.get((territory.pk, period), (None,) * 3)) if exists else None
                    for territory, exists in zip(territories, levels, strict=True)
                ],
            }
        )
    return result
