"""How indicators are computed: each school or commune gives a vector of additive parts, the engine sums these
vectors level by level (see engine.py), and `finalize` turns a territory's sum into its value.

Every vector starts with three parts:
- `n`: units with data (a territory with n = 0 gets no value: "N.C."),
- `covered` and `universe`: the coverage of the value is covered / universe (schools, or inhabitants),
followed by the parts of the measure (numerator, denominator…). A ratio is a ratio of sums, a mean a sum of
weighted values over a sum of weights: never a mean of means.
"""

from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from statistics import median
from typing import NamedTuple

from django.db import models

from edhub.indicators.models import Note
from edhub.schools.models import ECOLE_KINDS, LYCEE_KINDS, Kind, Sector, Variable

FAMILY_KINDS = {
    "ecoles": ECOLE_KINDS,
    # The IPS of écoles describes their élémentaire pupils: maternelles have none.
    "ecoles_elementaires": (Kind.ECOLE_ELEMENTAIRE, Kind.ECOLE_PRIMAIRE),
    "colleges": (Kind.COLLEGE,),
    "lycees": LYCEE_KINDS,
}
# The families of schools that the registry counts, and the family of each of their kinds.
COUNTED_FAMILIES = ("ecoles", "colleges", "lycees")
FAMILY_OF_KIND = {kind: family for family in COUNTED_FAMILIES for kind in FAMILY_KINDS[family]}


class Aggregation(models.TextChoices):
    SUM = "sum", "Somme"
    RATIO = "ratio", "Ratio des sommes"
    SHARE = "share", "Part (ratio des sommes)"
    WEIGHTED_MEAN = "weighted_mean", "Moyenne pondérée par les effectifs"
    MEDIAN = "median", "Médiane"
    GAP = "gap", "Écart à un territoire de référence"


class Value(NamedTuple):
    value: float | None
    numerator: float | None
    denominator: float | None
    coverage: float | None
    note: str = Note.NONE


def coverage(covered, universe):
    return covered / universe if universe else None


def column_sums(vectors):
    """The element-wise sum of vectors (a list of them)."""
    if len(vectors) == 1:
        return vectors[0]
    if len(vectors) < 64:
        return [sum(column) for column in zip(*vectors, strict=False)]
    return [sum(map(itemgetter(i), vectors)) for i in range(len(vectors[0]))]


class Measure:
    """The recipe of an indicator. `parts` returns ({uai: vector}, {place id: vector}) for one period:
    school parts are summed into the school's commune or arrondissement, place parts are the communes' and
    arrondissements' own (a commune's own part wins over those of its arrondissements)."""

    aggregation: Aggregation
    scale = 1.0
    on_schools = True  # the value depends on the school registry
    school_kinds = None  # the kinds of schools the measure is about (None: all of them, or none)

    @property
    def reads(self):
        """The parts of the inputs this measure reads (see Inputs.fingerprint)."""
        return ("geography", "registry") if self.on_schools else ("geography",)

    def periods(self, inputs):
        raise NotImplementedError

    def parts(self, inputs, period):
        raise NotImplementedError

    def combine(self, vectors):
        return column_sums(vectors)

    def finalize(self, total):
        n, covered, universe, *parts = total
        if not n:
            return None
        cover = coverage(covered, universe)
        if self.aggregation == Aggregation.SUM:
            (value,) = parts
            return Value(value, value, None, cover)
        numerator, denominator = parts
        value = self.scale * numerator / denominator if denominator else None
        return Value(value, numerator, denominator, cover)


def _registry_periods(inputs):
    return [inputs.registry_period] if inputs.registry_period else []


def _rentrees(figures, schools):
    """The rentrées (as periods) where at least one of these schools has a figure."""
    return [str(rentree) for rentree, values in figures.items() if any(s.uai in values for s in schools)]


class OfFamily:
    """Mixin of the measures about one family of schools, named by their `family` field (empty: every school)."""

    @property
    def school_kinds(self):
        return FAMILY_KINDS[self.family] if self.family else None

    def members(self, inputs):
        kinds = self.school_kinds
        return inputs.schools if kinds is None else [s for s in inputs.schools if s.kind in kinds]


NO_CELLS = frozenset()


class CoveredCells:
    """Mixin of the counts of schools made where the registry is complete only.

    The registry lists every school of a family in a département when a source listing all of them is loaded there
    (inputs.COMPLETE_SOURCES; Inputs.described): such a (département, family) is a covered cell. A territory counts
    the schools of its covered cells; its coverage is the share of its cells (its départements, or its commune's,
    times the families counted) that are covered. No covered cell: coverage 0, no value (« N.C. »), never 0.
    Instead of (covered, universe) numbers, the vectors carry the sets of covered cells and of all cells, joined
    upward: a département counts once however many communes it has."""

    families = ()

    def cells(self, inputs):
        """{département: (its covered cells, all its cells)} for the families counted."""
        families = self.families or COUNTED_FAMILIES
        cells = {}
        for departement in set(inputs.tree.departement_of.values()):
            every = frozenset((departement, family) for family in families)
            cells[departement] = (frozenset(every & inputs.described), every)
        return cells

    def covered(self, inputs, school, cells):
        """Whether a school is in a covered cell (one of no family: where its département has a covered cell)."""
        departement = inputs.tree.departement_of_place(school.place)
        family = FAMILY_OF_KIND.get(school.kind)
        if family is None:
            return bool(cells.get(departement, (NO_CELLS,))[0])
        return (departement, family) in inputs.described

    def place_parts(self, inputs, cells):
        tree = inputs.tree
        places = {}
        for place in tree.places:
            covered, every = cells.get(tree.departement_of_place(place.id), (NO_CELLS, NO_CELLS))
            places[place.id] = (int(bool(covered)), covered, every, 0.0)
        return places

    def combine(self, vectors):
        if len(vectors) == 1:
            return vectors[0]
        return [
            sum(vector[0] for vector in vectors),
            NO_CELLS.union(*(vector[1] for vector in vectors)),
            NO_CELLS.union(*(vector[2] for vector in vectors)),
            sum(vector[3] for vector in vectors),
        ]

    def finalize(self, total):
        n, covered, every, value = total
        if not every:
            return None
        if not n:
            return Value(None, None, None, 0.0)
        return Value(value, value, None, len(covered) / len(every))


@dataclass(frozen=True)
class SchoolCount(CoveredCells, Measure):
    """Schools of the registry (closed ones excepted) of some families (all kinds when none is given) and sector,
    counted in the covered cells only (see CoveredCells)."""

    families: tuple = ()
    sector: str = ""
    aggregation = Aggregation.SUM

    @property
    def school_kinds(self):
        return tuple(chain.from_iterable(FAMILY_KINDS[family] for family in self.families)) or None

    def periods(self, inputs):
        return _registry_periods(inputs)

    def parts(self, inputs, period):
        cells = self.cells(inputs)
        kinds, sector = set(self.school_kinds or ()), self.sector
        schools = {
            s.uai: (0, NO_CELLS, NO_CELLS, 1.0)
            for s in inputs.schools
            if s.counted
            and (not kinds or s.kind in kinds)
            and (not sector or s.sector == sector)
            and self.covered(inputs, s, cells)
        }
        return schools, self.place_parts(inputs, cells)


@dataclass(frozen=True)
class SchoolFigureSum(OfFamily, Measure):
    """The sum of a yearly school figure (pupils, classes) over the schools of a family, per rentrée.
    Coverage: share of the family's schools with the figure."""

    variable: str
    family: str
    aggregation = Aggregation.SUM

    @property
    def reads(self):
        return (*super().reads, f"school:{self.variable}")

    def periods(self, inputs):
        return _rentrees(inputs.school_figures(self.variable), self.members(inputs))

    def parts(self, inputs, period):
        figures = inputs.school_figures(self.variable).get(int(period), {})
        parts = {}
        for school in self.members(inputs):
            value = figures.get(school.uai)
            if value is not None:
                parts[school.uai] = (1, 1, 1, value)
            elif school.counted:
                parts[school.uai] = (0, 0, 1, 0.0)
        return parts, {}


@dataclass(frozen=True)
class SchoolFigureRatio(SchoolFigureSum):
    """Σ variable / Σ denominator over the schools of a family that have both figures, per rentrée."""

    denominator: str = ""
    aggregation = Aggregation.RATIO

    @property
    def reads(self):
        return (*super().reads, f"school:{self.denominator}")

    def parts(self, inputs, period):
        numerators = inputs.school_figures(self.variable).get(int(period), {})
        denominators = inputs.school_figures(self.denominator).get(int(period), {})
        parts = {}
        for school in self.members(inputs):
            numerator, denominator = numerators.get(school.uai), denominators.get(school.uai)
            if numerator is not None and denominator is not None:
                parts[school.uai] = (1, 1, 1, numerator, denominator)
            elif school.counted or numerator is not None:
                parts[school.uai] = (0, 0, 1, 0.0, 0.0)
        return parts, {}


@dataclass(frozen=True)
class PriorityShare(Measure):
    """Share (%) of the public écoles and collèges that belong to the éducation prioritaire networks given,
    among those described by a source that states it (coverage: their share)."""

    networks: tuple
    aggregation = Aggregation.SHARE
    scale = 100.0

    def periods(self, inputs):
        return _registry_periods(inputs)

    def parts(self, inputs, period):
        eligible = (*ECOLE_KINDS, Kind.COLLEGE)
        parts = {}
        for s in inputs.schools:
            if s.counted and s.sector == Sector.PUBLIC and s.kind in eligible:
                known = int(s.priority_known)
                parts[s.uai] = (known, known, 1, float(known and s.priority in self.networks), float(known))
        return parts, {}


@dataclass(frozen=True)
class IpsMean(OfFamily, Measure):
    """IPS of a family of schools, weighted by their pupils (`weight`) of the same rentrée when every school with
    an IPS has them, else the plain mean of the schools (noted "non pondéré"). NS values are left out; coverage:
    share of the family's schools with an IPS."""

    family: str
    weight: str = Variable.PUPILS
    aggregation = Aggregation.WEIGHTED_MEAN

    @property
    def reads(self):
        return (*super().reads, f"school:{Variable.IPS}", f"school:{self.weight}")

    def periods(self, inputs):
        return _rentrees(inputs.school_figures(Variable.IPS), self.members(inputs))

    def parts(self, inputs, period):
        rentree = int(period)
        ips = inputs.school_figures(Variable.IPS).get(rentree, {})
        pupils = self.weights_at(inputs, rentree)
        parts = {}
        for school in self.members(inputs):
            value = ips.get(school.uai)
            if value is None:
                if school.counted:
                    parts[school.uai] = (0, 0, 1, 0.0, 0.0, 0, 0.0)
                continue
            weight = pupils.get(school.uai)
            if weight:
                parts[school.uai] = (1, 1, 1, value * weight, weight, 1, value)
            else:
                parts[school.uai] = (1, 1, 1, 0.0, 0.0, 0, value)
        return parts, {}

    def weights_at(self, inputs, rentree):
        """{uai: weight} of a rentrée."""
        return inputs.school_figures(self.weight).get(rentree, {})

    def finalize(self, total):
        n, covered, universe, weighted, weights, n_weighted, plain = total
        if not n:
            return None
        if n_weighted == n and weights > 0:
            return Value(weighted / weights, weighted, weights, coverage(covered, universe))
        return Value(plain / n, plain, n, coverage(covered, universe), Note.UNWEIGHTED)


@dataclass(frozen=True)
class IpsMeanOfFamilies(IpsMean):
    """IpsMean over several families of schools, each weighted by its own pupils: `weights` is ((family, school
    variable), …), e.g. the écoles by their élémentaire pupils (whom their IPS describes), the collèges by theirs."""

    family: str = ""
    weight: str = ""
    weights: tuple = ()

    @property
    def school_kinds(self):
        return tuple(chain.from_iterable(FAMILY_KINDS[family] for family, _ in self.weights))

    @property
    def reads(self):
        variables = sorted({variable for _, variable in self.weights})
        return ("geography", "registry", f"school:{Variable.IPS}", *(f"school:{v}" for v in variables))

    def weights_at(self, inputs, rentree):
        weights = {}
        for family, variable in self.weights:
            figures = inputs.school_figures(variable).get(rentree, {})
            kinds = FAMILY_KINDS[family]
            weights.update((s.uai, figures[s.uai]) for s in inputs.schools if s.kind in kinds and s.uai in figures)
        return weights


@dataclass(frozen=True)
class IpsMedian(IpsMean):
    """Median IPS of the schools of a family (each school counts once). The engine gathers the schools' values
    instead of summing them."""

    aggregation = Aggregation.MEDIAN

    @property
    def reads(self):  # no weights
        return ("geography", "registry", f"school:{Variable.IPS}")

    def parts(self, inputs, period):
        ips = inputs.school_figures(Variable.IPS).get(int(period), {})
        parts = {}
        for school in self.members(inputs):
            value = ips.get(school.uai)
            if value is not None:
                parts[school.uai] = (1, 1, 1, (value,))
            elif school.counted:
                parts[school.uai] = (0, 0, 1, ())
        return parts, {}

    def combine(self, vectors):
        counts = column_sums([vector[:3] for vector in vectors])
        return [*counts, tuple(chain.from_iterable(vector[3] for vector in vectors))]

    def finalize(self, total):
        n, covered, universe, values = total
        if not n:
            return None
        return Value(median(values), None, None, coverage(covered, universe))


@dataclass(frozen=True)
class Gap(Measure):
    """The value of another indicator minus that of the reference territory (the académie, or France)."""

    base: str
    reference: str  # "academie" or "france"
    aggregation = Aggregation.GAP


@dataclass(frozen=True)
class PlaceSum(Measure):
    """A figure of the communes (population) summed upward; arrondissements only for themselves."""

    attribute: str
    aggregation = Aggregation.SUM
    on_schools = False

    def periods(self, inputs):
        return [inputs.geography_period] if inputs.geography_period else []

    def parts(self, inputs, period):
        parts = {}
        for place in inputs.tree.places:
            value = getattr(place, self.attribute)
            parts[place.id] = (1, 1, 1, float(value)) if value is not None else (0, 0, 1, 0.0)
        return {}, parts


@dataclass(frozen=True)
class PlaceRatio(PlaceSum):
    """Σ attribute / Σ denominator over the communes that have both (population density)."""

    denominator: str = ""
    aggregation = Aggregation.RATIO

    def parts(self, inputs, period):
        parts = {}
        for place in inputs.tree.places:
            numerator, denominator = getattr(place, self.attribute), getattr(place, self.denominator)
            known = numerator is not None and denominator is not None
            parts[place.id] = (1, 1, 1, float(numerator), denominator) if known else (0, 0, 1, 0.0, 0.0)
        return {}, parts


@dataclass(frozen=True)
class RuralShare(PlaceSum):
    """Share (%) of the population living in rural communes (INSEE density levels 5 to 7), among communes of
    known density; noted "estimé" when the level of some of them is estimated. Coverage: share of the population
    in communes of known density."""

    attribute: str = "population"
    aggregation = Aggregation.SHARE
    scale = 100.0

    def parts(self, inputs, period):
        parts = {}
        for place in inputs.tree.places:
            population = float(place.population or 0)
            if place.rural is None:
                parts[place.id] = (0, 0.0, population, 0.0, 0.0, 0.0)
            else:
                rural = population if place.rural else 0.0
                estimated = population if place.density_estimated else 0.0
                parts[place.id] = (1, population, population, rural, population, estimated)
        return {}, parts

    def finalize(self, total):
        n, covered, universe, rural, known, estimated = total
        if not n:
            return None
        value = self.scale * rural / known if known else None
        return Value(value, rural, known, coverage(covered, universe), Note.ESTIMATED if estimated else Note.NONE)


def arcep_ratios(inputs, variable, period):
    """{place id: (eligible premises, premises)} of the communes and arrondissements with Arcep figures."""
    premises = inputs.territory_figures("locaux").get(period, {})
    eligible = inputs.territory_figures(variable).get(period, {})
    return {place: (eligible[place], total) for place, total in premises.items() if place in eligible}


@dataclass(frozen=True)
class ArcepShare(Measure):
    """Share (%) of the premises (locaux) eligible to a wired speed, Σ eligible / Σ premises over the communes
    (`complement`: the premises NOT eligible). Coverage: share of the population in communes with figures."""

    variable: str
    complement: bool = False
    aggregation = Aggregation.SHARE
    scale = 100.0
    on_schools = False

    @property
    def reads(self):
        return (*super().reads, "territory:locaux", f"territory:{self.variable}")

    def periods(self, inputs):
        return sorted(inputs.territory_figures("locaux"))

    def parts(self, inputs, period):
        figures = arcep_ratios(inputs, self.variable, period)
        parts = {}
        for place in inputs.tree.places:
            population = float(place.population or 0)
            if place.id in figures:
                eligible, premises = figures[place.id]
                numerator = premises - eligible if self.complement else eligible
                parts[place.id] = (1, population, population, numerator, premises)
            else:
                parts[place.id] = (0, 0.0, population, 0.0, 0.0)
        return {}, parts


@dataclass(frozen=True)
class PlaceFigureSum(Measure):
    """A figure of the communes (Arcep: logements, or a 1/0 flag, which sums into a number of communes) summed
    upward; a commune without its own figure takes the sum of its arrondissements'. Coverage: share of the
    population living in a commune with the figure."""

    variable: str
    aggregation = Aggregation.SUM
    on_schools = False

    @property
    def reads(self):
        return (*super().reads, f"territory:{self.variable}")

    def periods(self, inputs):
        return sorted(inputs.territory_figures(self.variable))

    def parts(self, inputs, period):
        figures = inputs.territory_figures(self.variable).get(period, {})
        parts = {}
        for place in inputs.tree.places:
            population = float(place.population or 0)
            value = figures.get(place.id)
            parts[place.id] = (1, population, population, value) if value is not None else (0, 0.0, population, 0.0)
        return {}, parts


@dataclass(frozen=True)
class SchoolsInSlowCommunes(CoveredCells, Measure):
    """Schools of the registry located in a commune where fewer than `threshold` of the premises are eligible to
    the speed of `variable` (Arcep; an arrondissement without figures takes its commune's). As a number: in the
    covered cells only, with their coverage (see CoveredCells; a school of a commune without figures is not
    counted). As a share (%) of the schools whose commune has figures, with the share of those as coverage."""

    variable: str
    threshold: float = 0.5
    share: bool = False
    scale = 100.0

    @property
    def aggregation(self):
        return Aggregation.SHARE if self.share else Aggregation.SUM

    @property
    def reads(self):
        return (*super().reads, "territory:locaux", f"territory:{self.variable}")

    def periods(self, inputs):
        return sorted(inputs.territory_figures(self.variable))

    def parts(self, inputs, period):
        ratios = {
            place: eligible / premises
            for place, (eligible, premises) in arcep_ratios(inputs, self.variable, period).items()
            if premises
        }
        commune_of = inputs.tree.commune_of
        cells = None if self.share else self.cells(inputs)
        parts = {}
        for school in inputs.schools:
            if not school.counted:
                continue
            ratio = ratios.get(school.place)
            if ratio is None and school.place in commune_of:
                ratio = ratios.get(commune_of[school.place])
            known = int(ratio is not None)
            slow = float(known and ratio < self.threshold)
            if self.share:
                parts[school.uai] = (known, known, 1, slow, float(known))
            elif known and self.covered(inputs, school, cells):
                parts[school.uai] = (0, NO_CELLS, NO_CELLS, slow)
        if self.share:
            return parts, {}
        return parts, self.place_parts(inputs, cells)

    def combine(self, vectors):
        return column_sums(vectors) if self.share else super().combine(vectors)

    def finalize(self, total):
        return Measure.finalize(self, total) if self.share else super().finalize(total)


class Declared(Measure):
    """Mixin of the measures read from what schools declare, per rentrée: the registered input named by `input`
    (registry.py), {rentrée: {uai: declaration}} — the local inventories' ("inventory"). A school of the registry
    (closed ones excepted; of the family when one is given) without a usable declaration counts in the coverage's
    universe only."""

    @property
    def reads(self):
        return (*super().reads, self.input)

    @property
    def school_kinds(self):
        return FAMILY_KINDS[self.family] if self.family else None

    def periods(self, inputs):
        return [str(rentree) for rentree in inputs.registered(self.input)]

    def parts(self, inputs, period):
        declared = inputs.registered(self.input).get(int(period), {})
        kinds = self.school_kinds
        unknown = self.unknown_part
        parts = {}
        for school in inputs.schools:
            if kinds and school.kind not in kinds:
                continue
            declaration = declared.get(school.uai)
            part = self.part(declaration) if declaration is not None else None
            if part is not None:
                parts[school.uai] = part
            elif school.counted:
                parts[school.uai] = unknown
        return parts, {}


@dataclass(frozen=True)
class DeclaredRatio(Declared):
    """Σ numerator / Σ denominator (properties of the declarations) over the schools that declared both."""

    numerator: str
    denominator: str
    family: str = ""
    scale: float = 1.0
    input: str = field(kw_only=True, repr=False)  # out of the recipe's repr: reads() names it
    unknown_part = (0, 0, 1, 0.0, 0.0)

    @property
    def aggregation(self):
        return Aggregation.SHARE if self.scale == 100 else Aggregation.RATIO

    def part(self, declaration):
        numerator, denominator = getattr(declaration, self.numerator), getattr(declaration, self.denominator)
        if numerator is None or denominator is None:
            return None
        return (1, 1, 1, float(numerator), float(denominator))


@dataclass(frozen=True)
class DeclaredShare(Declared):
    """Share (%) of the schools whose declaration says yes to `test` (a property of the declaration), among those
    whose declaration tells."""

    test: str
    family: str = ""
    input: str = field(kw_only=True, repr=False)
    aggregation = Aggregation.SHARE
    scale = 100.0
    unknown_part = (0, 0, 1, 0.0, 0.0)

    def part(self, declaration):
        answer = getattr(declaration, self.test)
        return None if answer is None else (1, 1, 1, float(answer), 1.0)
