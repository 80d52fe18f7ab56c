"""The computation engine behind `edhub compute`.

1. Evaluate, in memory: a measure gives the parts of each school and commune (measures.py); school parts are
   summed into their commune or arrondissement, then level by level (commune → EPCI, département, France;
   département → académie, région; académie → région académique). Each territory's sum is then finalized into
   its value, numerator, denominator and coverage; a value whose coverage is unknown or too small keeps only its
   coverage (see coverage.py).
2. Write what changed only: the values are compared with the stored ones, and new or changed values are written
   with INSERT … ON CONFLICT DO UPDATE batches, values that no longer exist deleted.

Incremental: an indicator is skipped while the imports of its sources are those it was computed from. With a
territory (`--territory`), the caller states that the change is confined to it (a local upload, a re-import of
one département's file): only the values of its schools and places, and of every territory containing them, are
evaluated (those above directly from all the parts they contain, France from every part) and written. A gap to
the académie or to France moves with its reference: when the reference's value changed, the gap is written for
every territory and school, from the stored values of the others. An indicator never computed before is
computed in full.
"""

import hashlib
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.coverage import MIN_COVERAGE, published
from edhub.indicators.inputs import Inputs, source_versions
from edhub.indicators.measures import Value
from edhub.indicators.models import SCHOOL_LEVEL, IndicatorState, IndicatorValue
from edhub.territories.models import Level

BATCH = 500  # rows per INSERT statement on SQLite (12 parameters each: within its limit of 32,766)
WRITTEN_FIELDS = (
    "territory",
    "school",
    "level",
    "indicator",
    "period",
    "value",
    "numerator",
    "denominator",
    "coverage",
    "note",
    "computed_at",
    "data_version",
)
COMPARED = slice(4, 9)  # of a stored row (id, territory, school, period, value … note): the compared part
REFERENCE_LEVELS = (Level.ACADEMIE, Level.FRANCE)  # the territories gaps are measured to


@dataclass
class Outcome:
    """What `compute` did for one indicator."""

    slug: str
    skipped: bool = False
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    seconds: float = 0.0


@dataclass
class Scope:
    """The part of the values a partial computation evaluates and writes: the communes and arrondissements of a
    territory (the whole commune for an arrondissement), their schools, and every territory they sum into."""

    places: set
    schools: set
    territory_ids: set  # the places and every territory containing one of them
    upper_of: dict  # place -> the territories of the chain above the scope's places that it sums into (not France)
    school_upper: dict  # uai -> the same, for the schools whose place has some

    @classmethod
    def of(cls, territory, inputs):
        tree = inputs.tree
        if territory.level == Level.ARRONDISSEMENT and territory.parent_id:
            territory = territory.parent
        places = set(territory.places().values_list("id", flat=True))
        chain = tree.chain(places) | {territory.id}
        upper = chain - places - {tree.france}
        upper_of = {}
        for place in tree.all_places:
            targets = tuple(target for target in tree.above(place) if target in upper)
            if targets:
                upper_of[place] = targets
        return cls(
            places=places,
            schools={school.uai for school in inputs.schools if school.place in places},
            territory_ids=chain,
            upper_of=upper_of,
            school_upper={uai: upper_of[place] for uai, place in inputs.place_of.items() if place in upper_of},
        )


def compute(slugs=None, territory=None, force=False, progress=False):
    """Compute the indicators (all, or `slugs`), skipping those whose inputs did not change unless `force`.

    `territory`: evaluate and write only the values that depend on it (see the module docstring); an indicator
    never computed before is computed in full. Returns [Outcome].
    """
    unknown = sorted(set(slugs or ()) - set(CATALOGUE))
    if unknown:
        raise KeyError(", ".join(unknown))
    selected = [indicator for slug, indicator in CATALOGUE.items() if not slugs or slug in slugs]
    outcomes = []
    with transaction.atomic():
        versions = source_versions()
        states = {state.indicator: state for state in IndicatorState.objects.filter(indicator__in=CATALOGUE)}
        inputs = Inputs()
        partial = territory is not None and territory.level != Level.FRANCE
        run = Run(inputs, territory if partial else None, partial=set(states) if partial else set())
        bar = tqdm(selected, desc="Indicateurs", unit=" indicateur", disable=not progress)
        for indicator in bar:
            bar.set_postfix_str(indicator.slug)
            start = time.perf_counter()
            state = states.get(indicator.slug) or IndicatorState(indicator=indicator.slug)
            imports = {source: versions.get(source, 0) for source in indicator.dependencies}
            imports_version = _digest(imports, indicator)
            if not force and state.imports_version == imports_version:
                outcomes.append(Outcome(indicator.slug, skipped=True))
                continue
            # A source was imported again: the content of what the indicator reads decides.
            version = _digest({key: inputs.fingerprint(key) for key in reads(indicator)}, indicator)[:16]
            state.imports, state.imports_version = imports, imports_version
            if not force and state.data_version == version:
                state.save()
                outcomes.append(Outcome(indicator.slug, skipped=True))
                continue
            results = run.evaluate(indicator)
            outcome = write(indicator, results, inputs.tree, run.written_scope(indicator), version)
            run.release(indicator)
            outcome.seconds = time.perf_counter() - start
            state.data_version, state.computed_at, state.duration = version, timezone.now(), outcome.seconds
            state.save()
            outcomes.append(outcome)
    return outcomes


def reads(indicator):
    """The parts of the inputs an indicator's values depend on."""
    return (indicator.derived_from or indicator).measure.reads


def _digest(content, indicator):
    """A hash of `content` and of the indicator's recipe (measure, levels, the least coverage published): a new
    recipe means new values."""
    derived = indicator.derived_from
    recipe = repr((indicator.measure, indicator.levels, derived.measure if derived else None, MIN_COVERAGE))
    return hashlib.sha256(f"{json.dumps(content, sort_keys=True)}|{recipe}".encode()).hexdigest()


# -- evaluation --------------------------------------------------------------------------------------------------


class Run:
    """The evaluations of one computation: `partial` indicators are evaluated on the scope of `territory` only."""

    def __init__(self, inputs, territory, partial):
        self.inputs = inputs
        self.territory = territory
        self.partial = partial
        self.results = {}
        self.full_gaps = set()  # gaps whose reference moved: evaluated and written in full
        self.bases = {indicator.measure.base for indicator in CATALOGUE.values() if indicator.derived_from}

    @cached_property
    def scope(self):
        return Scope.of(self.territory, self.inputs) if self.territory else None

    def release(self, indicator):
        """Forget the values of a written indicator, unless others are derived from them."""
        if indicator.slug not in self.bases:
            del self.results[indicator.slug]

    def scope_of(self, indicator):
        return self.scope if indicator.slug in self.partial else None

    def written_scope(self, indicator):
        return None if indicator.slug in self.full_gaps else self.scope_of(indicator)

    def evaluate(self, indicator):
        """{period: ({territory id: Value}, {uai: Value})}: every value, or those of its scope only."""
        if indicator.slug in self.results:
            return self.results[indicator.slug]
        if indicator.derived_from is not None:
            results = self._evaluate_gap(indicator)
        else:
            scope = self.scope_of(indicator)
            results = {}
            for period in indicator.measure.periods(self.inputs):
                school_parts, place_parts = indicator.measure.parts(self.inputs, period)
                results[period] = _sum_up(indicator, self.inputs, school_parts, place_parts, scope)
        self.results[indicator.slug] = results
        return results

    def _evaluate_gap(self, indicator):
        """A gap needs the values of the references (académies, France) beside those of the territories. When the
        base indicator was evaluated on the scope only, the references outside it are the stored ones; if those
        inside it moved, every gap moves: the base is completed with its stored values, and the gap is full."""
        base_indicator = indicator.derived_from
        base = self.evaluate(base_indicator)
        if self.scope_of(base_indicator) is not None:
            stored = self._stored_references(base_indicator, base)
            fresh = {
                (territory, period): value
                for period, (territories, _) in base.items()
                for territory, value in territories.items()
                if self.inputs.tree.level[territory] in REFERENCE_LEVELS
            }
            moved = any(key not in stored or not _same(stored[key], value) for key, value in fresh.items()) or any(
                key not in fresh for key in stored if key[0] in self.scope.territory_ids
            )
            if self.scope_of(indicator) is None or moved:
                base = self._complete(base_indicator, base)
                self.full_gaps.add(indicator.slug)
            else:  # the references outside the scope are the stored ones
                base = {period: ({**territories}, schools) for period, (territories, schools) in base.items()}
                for (territory, period), value in stored.items():
                    base[period][0].setdefault(territory, value)
        return {period: _gaps(indicator, values, self.inputs) for period, values in base.items()}

    def _stored_references(self, indicator, results):
        """{(territory, period): Value} of the stored values of the académies and France."""
        return {
            (territory, period): Value(*value)
            for territory, period, *value in IndicatorValue.objects.filter(
                indicator=indicator.slug, level__in=REFERENCE_LEVELS, period__in=list(results)
            ).values_list("territory_id", "period", "value", "numerator", "denominator", "coverage", "note")
        }

    def _complete(self, indicator, results):
        """Every value of an indicator evaluated on the scope: the others are the stored ones."""
        scope = self.scope
        complete = {period: ({}, {}) for period in results}
        stored = IndicatorValue.objects.filter(indicator=indicator.slug, period__in=list(results)).values_list(
            "territory_id", "school_id", "period", "value", "numerator", "denominator", "coverage", "note"
        )
        for territory, school, period, *value in stored:
            if territory is not None and territory not in scope.territory_ids:
                complete[period][0][territory] = Value(*value)
            elif school is not None and school not in scope.schools:
                complete[period][1][school] = Value(*value)
        for period, (territories, schools) in results.items():
            complete[period][0].update(territories)
            complete[period][1].update(schools)
        return complete


def _sum_up(indicator, inputs, school_parts, place_parts, scope):
    """Sum the parts and finalize the value of each territory of the indicator's levels (and of each school).

    In full, level by level. With a scope: its places from their parts, the territories above them directly from
    the parts of every school and commune they contain (France from all of them).
    """
    measure, tree = indicator.measure, inputs.tree
    combine = measure.combine
    if scope is None:
        arrondissements, communes, unplaced = _places(measure, inputs, school_parts, place_parts)
        departements = _group(communes, tree.departement_of, combine)
        academies = _group(departements, tree.academie_of_departement, combine)
        totals = {
            **arrondissements,
            **communes,
            **_group(communes, tree.epci_of, combine),
            **departements,
            **_group(departements, tree.region_of_departement, combine),
            **academies,
            **_group(academies, tree.region_academique_of, combine),
        }
        if tree.france is not None and (communes or unplaced):
            totals[tree.france] = combine([*communes.values(), *unplaced])
        schools = school_parts
    else:
        schools = {uai: school_parts[uai] for uai in scope.schools if uai in school_parts}
        local = {place: place_parts[place] for place in scope.places if place in place_parts}
        arrondissements, communes, _ = _places(measure, inputs, schools, local)
        totals = {**arrondissements, **communes, **_above(measure, inputs, scope, school_parts, place_parts)}

    levels = set(indicator.levels)
    territories = {}
    for territory, total in totals.items():
        if tree.level[territory] in levels and (value := measure.finalize(total)) is not None:
            territories[territory] = published(value)
    school_values = {}
    if SCHOOL_LEVEL in levels:
        for uai, part in schools.items():
            if (value := measure.finalize(part)) is not None:
                school_values[uai] = published(value)
    return territories, school_values


def _places(measure, inputs, school_parts, place_parts):
    """(arrondissements, communes, unplaced): the totals of the places, and the parts of schools without one.

    A commune adds the schools of its arrondissements; its own figures win over its arrondissements'.
    """
    combine, commune_of, place_of = measure.combine, inputs.tree.commune_of, inputs.place_of
    by_place, unplaced = defaultdict(list), []
    for uai, vector in school_parts.items():
        place = place_of[uai]
        (unplaced if place is None else by_place[place]).append(vector)
    schools = {place: combine(vectors) for place, vectors in by_place.items()}
    communes, arrondissements, into_communes = {}, {}, defaultdict(list)
    for place, part in _upward(place_parts, commune_of).items():
        if place in commune_of:  # an arrondissement's figures, for a commune without its own
            into_communes[commune_of[place]].append(part)
        else:
            communes[place] = part
    for place, total in schools.items():
        if place in commune_of:
            into_communes[commune_of[place]].append(total)
        elif place in communes:
            communes[place] = combine([communes[place], total])
        else:
            communes[place] = total
    for commune, parts in into_communes.items():
        communes[commune] = combine([communes[commune], *parts] if commune in communes else parts)
    for place in {*commune_of.keys() & place_parts.keys(), *commune_of.keys() & schools.keys()}:
        parts = [part for part in (place_parts.get(place), schools.get(place)) if part is not None]
        arrondissements[place] = combine(parts)
    return arrondissements, communes, unplaced


def _above(measure, inputs, scope, school_parts, place_parts):
    """The totals of the territories of a scope's chain above its places, each summed from the parts of all the
    schools and places it contains; France from all of them."""
    upward = _upward(place_parts, inputs.tree.commune_of)
    groups = defaultdict(list)
    for uai, targets in scope.school_upper.items():
        if (part := school_parts.get(uai)) is not None:
            for target in targets:
                groups[target].append(part)
    for place, targets in scope.upper_of.items():
        if (part := upward.get(place)) is not None:
            for target in targets:
                groups[target].append(part)
    totals = {target: measure.combine(parts) for target, parts in groups.items()}
    everything = [*school_parts.values(), *upward.values()]
    if inputs.tree.france is not None and everything:
        totals[inputs.tree.france] = measure.combine(everything)
    return totals


def _upward(place_parts, commune_of):
    """The place parts that sum into the levels above: a commune's own, or its arrondissements' when it has none
    (no part, or a part without data)."""
    upward, figures = {}, defaultdict(dict)
    for place, part in place_parts.items():
        if place in commune_of:
            figures[commune_of[place]][place] = part
        else:
            upward[place] = part
    for commune, parts in figures.items():
        own = upward.get(commune)
        if own is None or not own[0]:
            upward.pop(commune, None)
            upward.update(parts)
    return upward


def _group(totals, links, combine):
    """Sum the totals of members into their target: {target: combined total}."""
    groups = defaultdict(list)
    for member, total in totals.items():
        target = links.get(member)
        if target is not None:
            groups[target].append(total)
    return {target: combine(vectors) for target, vectors in groups.items()}


def _gaps(indicator, base, inputs):
    """The base indicator's value minus that of the reference territory, for every territory and school."""
    territories, schools = base
    tree = inputs.tree
    to_academie = indicator.measure.reference == Level.ACADEMIE

    def reference_of(territory):
        return tree.academie_of.get(territory) if to_academie else tree.france

    def gap(value, reference):
        other = territories.get(reference)
        if value.value is None or other is None or other.value is None:
            return None
        return Value(value.value - other.value, None, None, value.coverage, value.note or other.note)

    levels = set(indicator.levels)
    territory_gaps = {}
    for territory, value in territories.items():
        if tree.level[territory] in levels and (result := gap(value, reference_of(territory))) is not None:
            territory_gaps[territory] = result
    school_gaps = {}
    if SCHOOL_LEVEL in levels:
        for uai, value in schools.items():
            place = inputs.place_of[uai]
            if place is None and to_academie:
                continue
            if (result := gap(value, tree.france if place is None else reference_of(place))) is not None:
                school_gaps[uai] = result
    return territory_gaps, school_gaps


# -- writing -----------------------------------------------------------------------------------------------------


def write(indicator, results, tree, scope, version):
    """Store the results of an indicator: only new and changed values are written, gone ones deleted.

    With a scope, only the values inside it are compared and written.
    """
    outcome = Outcome(indicator.slug)
    stored = IndicatorValue.objects.filter(indicator=indicator.slug, period__in=list(results))
    if scope is not None:  # two queries, each on its unique index
        stored = [stored.filter(territory_id__in=scope.territory_ids), stored.filter(school_id__in=scope.schools)]
    existing = {}
    for rows in [stored] if scope is None else stored:
        for row in rows.values_list(
            "id", "territory_id", "school_id", "period", "value", "numerator", "denominator", "coverage", "note"
        ):
            existing[row[1] or row[2], row[3]] = row
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = {"territory": [], "school": []}
    kept = {"territory": scope.territory_ids, "school": scope.schools} if scope else None
    for period, (territories, schools) in results.items():
        for owner_field, values in (("territory", territories), ("school", schools)):
            for owner, value in values.items():
                if kept is not None and owner not in kept[owner_field]:
                    continue
                before = existing.pop((owner, period), None)
                if before is not None and _same(before[COMPARED], value):
                    outcome.unchanged += 1
                    continue
                if before is None:
                    outcome.created += 1
                else:
                    outcome.updated += 1
                level = tree.level[owner] if owner_field == "territory" else SCHOOL_LEVEL
                territory, school = (owner, None) if owner_field == "territory" else (None, owner)
                rows[owner_field].append(
                    (territory, school, level, indicator.slug, period, *value, now, version)  # value: 5 fields
                )
    upsert(IndicatorValue, ("territory", "indicator", "period"), WRITTEN_FIELDS, rows["territory"])
    upsert(IndicatorValue, ("school", "indicator", "period"), WRITTEN_FIELDS, rows["school"])
    gone = [row[0] for row in existing.values()]
    for start in range(0, len(gone), 5000):
        IndicatorValue.objects.filter(pk__in=gone[start : start + 5000]).delete()
    outcome.deleted = len(gone)
    return outcome


def _same(stored, value):
    """Equal values, but for the last bits of floats: sums in another order differ there."""
    return all(
        a == b
        or (
            isinstance(a, float | int)
            and isinstance(b, float | int)
            and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        )
        for a, b in zip(stored, value, strict=True)
    )


def upsert(model, key, fields, rows):
    """INSERT … ON CONFLICT (key) DO UPDATE of many rows, on SQLite and PostgreSQL.

    `fields` are model field names, `rows` tuples of their database values in that order. SQLite takes batches
    of INSERT … VALUES (…), (…); PostgreSQL takes the rows by COPY into a temporary table, then one INSERT …
    SELECT: four times faster than parameters, which psycopg binds one by one on the client.
    """
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    keys = [meta.get_field(name).column for name in key]
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in (meta.get_field(name).column for name in fields) if c not in keys
    )
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns}) "
    on_conflict = f" ON CONFLICT ({', '.join(map(quote, keys))}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"{meta.db_table}_staging")
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {quote(meta.db_table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {staging}")
            with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"{insert}SELECT {columns} FROM {staging}{on_conflict}")
            return
        placeholders = f"({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            values = ", ".join([placeholders] * len(batch))
            cursor.execute(f"{insert}VALUES {values}{on_conflict}", [v for row in batch for v in row])
