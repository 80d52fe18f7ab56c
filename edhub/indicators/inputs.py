"""What a computation reads, loaded once per run with plain queries into dicts: the territorial tree, the schools,
their figures and the figures of the communes. A national run reads a few hundred thousand rows: dicts are fast
enough, and the same code runs on SQLite and PostgreSQL.

Each part has a fingerprint (a hash of its content): an indicator is recomputed only when the fingerprint of
something it reads changed (see engine.py).
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Max

from edhub.indicators.measures import FAMILY_OF_KIND
from edhub.indicators.registry import INPUTS
from edhub.opendata.models import ImportRun
from edhub.schools.models import School, SchoolFigure, State
from edhub.territories.geography import SOURCE as GEOGRAPHY_SOURCE
from edhub.territories.models import RURAL_DENSITY_LEVELS, Level, Territory, TerritoryFigure

# Sources that write the school registry (identity, kind, sector, commune): every school indicator depends on them.
REGISTRY_SOURCES = ("annuaire", "geoloc", "ips-ecoles", "ips-colleges", "ips-lycees", "effectifs-ecoles")
# The authoritative descriptions of the registry: their vintage dates it.
DIRECTORY_SOURCES = ("annuaire", "geoloc")
# Sources whose description of a school says whether it belongs to the éducation prioritaire (REP, REP+).
PRIORITY_SOURCES = ("annuaire", "effectifs-ecoles")
# Sources that list EVERY school of a family in each département where they list one of that family: {source:
# families}. The directory and the geolocation file list every kind of school of the départements they cover, the
# effectifs file every école. The IPS files do not: only the schools with an IPS (no maternelle, no école without
# CM2 pupils, no private school outside a contract).
COMPLETE_SOURCES = {
    "annuaire": ("ecoles", "colleges", "lycees"),
    "geoloc": ("ecoles", "colleges", "lycees"),
    "effectifs-ecoles": ("ecoles",),
}

PLACE_LEVELS = (Level.COMMUNE, Level.ARRONDISSEMENT)


def source_versions():
    """{source slug: id of its last successful import}: an indicator is up to date while those of its sources are."""
    runs = ImportRun.objects.succeeded().values("source").annotate(last=Max("id")).order_by()
    return dict(runs.values_list("source", "last"))


@dataclass(frozen=True, slots=True)
class SchoolRow:
    uai: str
    kind: str
    sector: str
    priority: str
    place: int | None  # commune or arrondissement id
    counted: bool  # in the figures: every school of the registry but the closed ones
    priority_known: bool  # described by a source that carries the éducation prioritaire
    source: str  # the source of the last import that described it


@dataclass(frozen=True, slots=True)
class Place:
    """A current commune or arrondissement and what the territorial indicators read of it."""

    id: int
    level: str
    population: float | None
    area_km2: float | None
    rural: bool | None
    density_estimated: bool


class Tree:
    """The territorial hierarchy as plain dicts: which territories sum into which.

    Values are summed level by level: arrondissements into their commune; communes into their EPCI, their
    département and France; départements into their académie and their région; académies into their région
    académique. Each step reads the links of the smaller level, as the geography loader wrote them.
    """

    def __init__(self):
        rows = Territory.objects.order_by("id").values_list(
            "id",
            "level",
            "parent_id",
            "epci_id",
            "departement_id",
            "academie_id",
            "region_academique_id",
            "region_id",
            "population",
            "area_km2",
            "density_level",
            "density_run_id",
            "valid_to",
        )
        self.level = {}
        self.academie_of = {}  # territory -> its académie (itself for an académie), for the gaps to the académie
        self.commune_of = {}  # arrondissement -> its commune
        self.places = []  # current communes and arrondissements
        self.all_places = []  # every commune and arrondissement, closed ones included
        self.france = None
        # The upward links of each summing step: {member: target}.
        self.epci_of, self.departement_of = {}, {}  # of communes
        self.academie_of_departement, self.region_of_departement = {}, {}
        self.region_academique_of = {}  # of académies
        digest = hashlib.sha256()
        for (
            tid,
            level,
            parent,
            epci,
            dep,
            academie,
            ra,
            region,
            population,
            area,
            density,
            density_run,
            valid_to,
        ) in rows:
            digest.update(repr((tid, level, parent, epci, dep, academie, ra, region, population, area)).encode())
            digest.update(repr((density, density_run is None, valid_to)).encode())
            self.level[tid] = level
            if academie:
                self.academie_of[tid] = academie
            if level == Level.FRANCE:
                self.france = tid
            elif level == Level.ACADEMIE:
                self.academie_of[tid] = tid
                if ra:
                    self.region_academique_of[tid] = ra
            elif level == Level.DEPARTEMENT:
                if academie:
                    self.academie_of_departement[tid] = academie
                if region:
                    self.region_of_departement[tid] = region
            elif level == Level.COMMUNE:
                if epci:
                    self.epci_of[tid] = epci
                if dep:
                    self.departement_of[tid] = dep
            elif level == Level.ARRONDISSEMENT and parent:
                self.commune_of[tid] = parent
            if level in PLACE_LEVELS:
                self.all_places.append(tid)
            if level in PLACE_LEVELS and valid_to is None:
                self.places.append(
                    Place(
                        id=tid,
                        level=level,
                        population=population,
                        area_km2=area,
                        rural=None if density is None else density in RURAL_DENSITY_LEVELS,
                        density_estimated=density is not None and density_run is None,
                    )
                )
        self.fingerprint = digest.hexdigest()
        self.place_ids = [place.id for place in self.places]

    def departement_of_place(self, place):
        """The département of a commune or arrondissement (None for an unknown place)."""
        return self.departement_of.get(self.commune_of.get(place, place))

    def above(self, place):
        """The territories above the commune of a place that it sums into (France apart)."""
        commune = self.commune_of.get(place, place)
        departement = self.departement_of.get(commune)
        academie = self.academie_of_departement.get(departement)
        candidates = (
            self.epci_of.get(commune),
            departement,
            academie,
            self.region_of_departement.get(departement),
            self.region_academique_of.get(academie),
        )
        return [territory for territory in candidates if territory is not None]

    def chain(self, places):
        """The territories whose values depend on these places: themselves, their communes, every territory above
        them, France."""
        chain = set(places) | {self.commune_of.get(place, place) for place in places}
        for place in places:
            chain.update(self.above(place))
        if self.france is not None:
            chain.add(self.france)
        return chain


class Inputs:
    """The data of one computation run, each part loaded on first use."""

    def __init__(self):
        self._school_figures = {}
        self._territory_figures = {}
        self._fingerprints = {}
        self._registered = {}

    def fingerprint(self, key):
        """The hash of one part of the inputs: "geography", "registry", "school:<variable>" or
        "territory:<variable>" (the figures of schools or territories), or the name of a registered input
        ("inventory": the local declarations)."""
        if key not in self._fingerprints:
            kind, _, variable = key.partition(":")
            if kind == "geography":
                content = (self.tree.fingerprint, self.geography_period)
            elif kind == "registry":
                content = (self.schools, self.registry_period, sorted(self.described))
            elif kind == "school":
                content = self.school_figures(variable)
            elif kind == "territory":
                content = self.territory_figures(variable)
            elif key in INPUTS:
                content = self.registered(key)
            else:
                raise KeyError(key)
            self._fingerprints[key] = hashlib.sha256(repr(content).encode()).hexdigest()
        return self._fingerprints[key]

    @cached_property
    def tree(self):
        return Tree()

    @cached_property
    def schools(self):
        rows = School.objects.values_list(
            "uai", "kind", "sector", "priority_education", "commune_id", "state", "run__source"
        ).order_by("uai")
        return [
            SchoolRow(
                uai=uai,
                kind=kind,
                sector=sector,
                priority=priority,
                place=place,
                counted=state != State.CLOSED,
                priority_known=source in PRIORITY_SOURCES,
                source=source,
            )
            for uai, kind, sector, priority, place, state, source in rows
        ]

    @cached_property
    def described(self):
        """{(département id, family)}: where a source of COMPLETE_SOURCES lists the schools of a family, that is where
        it lists at least one (a school it described last, or one it gave figures of)."""
        figures = SchoolFigure.objects.filter(run__source__in=list(COMPLETE_SOURCES))
        listed = set(figures.values_list("school_id", "run__source").distinct().order_by())
        listed.update((school.uai, school.source) for school in self.schools if school.source in COMPLETE_SOURCES)
        by_uai = {school.uai: school for school in self.schools}
        described = set()
        for uai, source in listed:
            school = by_uai[uai]
            family = FAMILY_OF_KIND.get(school.kind)
            departement = self.tree.departement_of_place(school.place)
            if family in COMPLETE_SOURCES[source] and departement is not None:
                described.add((departement, family))
        return described

    @cached_property
    def place_of(self):
        """{uai: commune or arrondissement id (None when unknown)}."""
        return {school.uai: school.place for school in self.schools}

    def school_figures(self, variable):
        """{rentrée: {uai: value}} of the significant values of a school variable."""
        if variable not in self._school_figures:
            figures = defaultdict(dict)
            rows = SchoolFigure.objects.filter(variable=variable, status="", value__isnull=False).values_list(
                "rentree", "school_id", "value"
            )
            for rentree, uai, value in rows.order_by("rentree", "school_id"):
                figures[rentree][uai] = value
            self._school_figures[variable] = dict(figures)
        return self._school_figures[variable]

    def territory_figures(self, variable):
        """{period: {territory id: value}} of a territory variable (Arcep…)."""
        if variable not in self._territory_figures:
            figures = defaultdict(dict)
            rows = TerritoryFigure.objects.filter(variable=variable, value__isnull=False).values_list(
                "period", "territory_id", "value"
            )
            for period, territory, value in rows.order_by("period", "territory_id"):
                figures[period][territory] = value
            self._territory_figures[variable] = dict(figures)
        return self._territory_figures[variable]

    def registered(self, name):
        """What the loader registered under `name` returns (see registry.py), loaded once per run."""
        if name not in self._registered:
            self._registered[name] = INPUTS[name]()
        return self._registered[name]

    @cached_property
    def registry_period(self):
        """The year of the school registry: that of the last directory import (or of any registry import)."""
        return _run_year(DIRECTORY_SOURCES) or _run_year(REGISTRY_SOURCES)

    @cached_property
    def geography_period(self):
        """The year of the reference geography and its populations (COG)."""
        return _run_year((GEOGRAPHY_SOURCE,))


def _run_year(sources):
    """The year of the latest successful import of these sources: from its vintage, else from its date."""
    run = (
        ImportRun.objects.succeeded()
        .filter(source__in=sources)
        .only("vintage", "finished_at")
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        return None
    years = re.findall(r"\b(?:19|20)\d\d\b", run.vintage)
    return max(years) if years else str(run.finished_at.year)
