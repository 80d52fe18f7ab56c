"""The catalogue of indicators: every indicator of the observatory is defined once, the built-in ones here.

An indicator has a slug (stable: it names the indicator in URLs, exports and the database), a French label and
definition, a unit, its sources (open-data source slugs, see `edhub status`), the rule giving its periods, the
levels where it exists, its aggregation (carried by its measure, see measures.py), its direction and whether it
is public. `edhub compute` computes them; the API and the pages read them from here. The apps that feed the
observatory add theirs from their AppConfig.ready() (registry.py): the engine never imports them.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.db import models

from edhub.indicators.inputs import REGISTRY_SOURCES
from edhub.indicators.measures import (
    ArcepShare,
    Gap,
    IpsMean,
    IpsMeanOfFamilies,
    IpsMedian,
    Measure,
    PlaceFigureSum,
    PlaceRatio,
    PlaceSum,
    PriorityShare,
    RuralShare,
    SchoolCount,
    SchoolFigureRatio,
    SchoolFigureSum,
    SchoolsInSlowCommunes,
)
from edhub.indicators.models import SCHOOL_LEVEL
from edhub.indicators.registry import CATALOGUE, register_indicators
from edhub.schools.models import PriorityEducation, Sector, Variable
from edhub.territories.geography import SOURCE as GEOGRAPHY
from edhub.territories.models import Level


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Plus la valeur est élevée, mieux c'est"
    HIGHER_IS_WORSE = "higher_is_worse", "Plus la valeur est élevée, moins c'est favorable"
    NEUTRAL = "neutral", "Ni favorable ni défavorable"


# Levels, from France down to the commune and its arrondissements.
TERRITORY_LEVELS = tuple(Level.values)
ALL_LEVELS = (*TERRITORY_LEVELS, SCHOOL_LEVEL)
BELOW_ACADEMIE = (Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE, Level.ARRONDISSEMENT, SCHOOL_LEVEL)
BELOW_FRANCE = tuple(level for level in ALL_LEVELS if level != Level.FRANCE)
LEVEL_LABELS = {**dict(Level.choices), SCHOOL_LEVEL: "École ou établissement"}

REGISTRY_PERIOD = (
    "Année du dernier import du répertoire des établissements (annuaire de l'éducation ou géolocalisation) : "
    "état du répertoire à cette date."
)
RENTREE_PERIOD = "Rentrée scolaire : 2021 désigne l'année scolaire 2021-2022."
GEOGRAPHY_PERIOD = "Millésime du Code officiel géographique chargé, avec les populations légales en vigueur."
ARCEP_PERIOD = "Date d'arrêté des statistiques Arcep « Ma connexion internet » (fin de trimestre)."


@dataclass(frozen=True)
class Indicator:
    slug: str
    label: str
    definition: str
    unit: str
    theme: str
    sources: tuple[str, ...]
    period_rule: str
    coverage_rule: str
    levels: tuple[str, ...]
    measure: Measure
    direction: Direction = Direction.NEUTRAL
    decimals: int = 1  # decimals kept in exports and the API
    public: bool = True

    def __str__(self):
        return self.label

    @property
    def aggregation(self):
        return self.measure.aggregation

    @property
    def derived_from(self):
        """The indicator this one is computed from (gaps), or None."""
        return CATALOGUE[self.measure.base] if isinstance(self.measure, Gap) else None

    @property
    def dependencies(self):
        """Every source whose import may change a value: its own, the school registry, the geography."""
        if self.derived_from is not None:
            return self.derived_from.dependencies
        registry = REGISTRY_SOURCES if self.measure.on_schools else ()
        return tuple(sorted({*self.sources, *registry, GEOGRAPHY}))

    def round(self, value):
        """The value as published: rounded to the indicator's decimals (an integer when it has none)."""
        if value is None:
            return None
        return round(value, self.decimals) if self.decimals else round(value)


# -- Écoles et établissements ------------------------------------------------------------------------------------

SCHOOL_FAMILIES = {
    # slug: (label, what is counted, families, unit, {slug suffix: adjective} of the public and private sectors)
    "etablissements": (
        "Écoles et établissements",
        "écoles, collèges, lycées et autres établissements",
        (),
        "établissements",
        {"publics": "publics", "prives": "privés"},
    ),
    "ecoles": (
        "Écoles",
        "écoles maternelles, élémentaires et primaires",
        ("ecoles",),
        "écoles",
        {"publiques": "publiques", "privees": "privées"},
    ),
    "colleges": ("Collèges", "collèges", ("colleges",), "collèges", {"publics": "publics", "prives": "privés"}),
    "lycees": (
        "Lycées",
        "lycées (généraux et technologiques, professionnels, polyvalents) et EREA",
        ("lycees",),
        "lycées",
        {"publics": "publics", "prives": "privés"},
    ),
}
COMPLETE_SOURCES_TEXT = (
    "l'annuaire de l'éducation ou le fichier de géolocalisation des établissements (tous les types), le fichier "
    "des effectifs des écoles (les écoles) ; les fichiers d'IPS ne comptent pas : ils ne listent que les "
    "établissements dotés d'un IPS"
)


def _count_coverage_rule(families):
    if families:
        (family,) = families
        return (
            f"Part des départements du territoire (celui de la commune pour une commune) dont tous les {family} sont "
            f"recensés : ceux où une source qui les liste tous est chargée, c'est-à-dire {COMPLETE_SOURCES_TEXT}. "
            "Une source est considérée comme chargée pour un département dès qu'elle y décrit au moins un "
            f"établissement de ce type. Aucun département couvert : « N.C. » (non communiqué), jamais 0."
        )
    return (
        "Part des couples (département du territoire, type d'établissement : écoles, collèges, lycées) dont tous "
        f"les établissements sont recensés : ceux où une source qui les liste tous est chargée, c'est-à-dire "
        f"{COMPLETE_SOURCES_TEXT}. Une source est considérée comme chargée pour un département et un type dès "
        "qu'elle y décrit au moins un établissement de ce type. Aucun couple couvert : « N.C. » (non communiqué), "
        "jamais 0."
    )


def _school_counts():
    for family, (label, counted, families, unit, adjectives) in SCHOOL_FAMILIES.items():
        variants = [("", "", "")] + [
            (f"_{suffix}", sector, f" {adjective}")
            for (suffix, adjective), sector in zip(adjectives.items(), (Sector.PUBLIC, Sector.PRIVE), strict=True)
        ]
        for suffix, sector, adjective in variants:
            yield Indicator(
                slug=f"{family}{suffix}",
                label=f"{label}{adjective}",
                definition=(
                    f"Nombre d'{counted}{adjective} du répertoire, hors établissements fermés (ceux à ouvrir ou à "
                    "fermer comptent), dans les départements où le répertoire les recense tous (voir la "
                    "couverture) : un territoire dont une partie seulement est couverte a une valeur partielle."
                )
                .replace("d'c", "de c")
                .replace("d'l", "de l"),
                unit=unit,
                theme="Écoles et établissements",
                sources=REGISTRY_SOURCES,
                period_rule=REGISTRY_PERIOD,
                coverage_rule=_count_coverage_rule([label.lower()] if families else []),
                levels=TERRITORY_LEVELS,
                measure=SchoolCount(families=families, sector=sector),
                decimals=0,
            )


# -- Élèves, classes, IPS ----------------------------------------------------------------------------------------

PUPIL_SOURCES = {"ecoles": "effectifs-ecoles", "colleges": "ips-colleges"}
PUPILS_OF = {"ecoles": "des écoles", "colleges": "des collèges"}


class IpsFamily(NamedTuple):
    of: str  # "des écoles"
    described: str  # what the IPS covers
    family: str  # of the measure (measures.FAMILY_KINDS)
    source: str
    weight: str  # the school variable weighting the mean
    weight_source: str | None
    weighted_by: str


IPS_FAMILIES = {
    "ecoles": IpsFamily(
        "des écoles",
        "des écoles élémentaires et primaires (les maternelles n'ont pas d'IPS)",
        "ecoles_elementaires",
        "ips-ecoles",
        Variable.PUPILS_ELEMENTAIRE,
        "effectifs-ecoles",
        "leurs élèves d'élémentaire",
    ),
    "colleges": IpsFamily(
        "des collèges", "des collèges", "colleges", "ips-colleges", Variable.PUPILS, "ips-colleges", "leurs élèves"
    ),
    "lycees": IpsFamily("des lycées", "des lycées", "lycees", "ips-lycees", Variable.PUPILS, None, "leurs élèves"),
}


def _pupils():
    yield Indicator(
        slug="eleves_etablissements",
        label="Élèves des écoles et établissements",
        definition=(
            "Nombre d'élèves des écoles, collèges et lycées à la rentrée (secteurs public et privé) : somme des "
            "effectifs déclarés."
        ),
        unit="élèves",
        theme="Élèves et classes",
        sources=tuple(PUPIL_SOURCES.values()),
        period_rule=RENTREE_PERIOD,
        coverage_rule="Part des écoles et établissements du répertoire dont l'effectif de cette rentrée est connu.",
        levels=TERRITORY_LEVELS,
        measure=SchoolFigureSum(variable=Variable.PUPILS, family=""),
        decimals=0,
    )
    for family, source in PUPIL_SOURCES.items():
        of = PUPILS_OF[family]
        yield Indicator(
            slug=f"eleves_{family}",
            label=f"Élèves {of}",
            definition=f"Nombre d'élèves {of} à la rentrée (secteurs public et privé) : somme des effectifs déclarés.",
            unit="élèves",
            theme="Élèves et classes",
            sources=(source,),
            period_rule=RENTREE_PERIOD,
            coverage_rule=f"Part {of} du répertoire dont l'effectif de cette rentrée est connu.",
            levels=ALL_LEVELS,
            measure=SchoolFigureSum(variable=Variable.PUPILS, family=family),
            decimals=0,
        )
    yield Indicator(
        slug="classes_ecoles",
        label="Classes des écoles",
        definition="Nombre de classes des écoles à la rentrée, somme des classes déclarées.",
        unit="classes",
        theme="Élèves et classes",
        sources=("effectifs-ecoles",),
        period_rule=RENTREE_PERIOD,
        coverage_rule="Part des écoles du répertoire dont le nombre de classes de cette rentrée est connu.",
        levels=ALL_LEVELS,
        measure=SchoolFigureSum(variable=Variable.CLASSES, family="ecoles"),
        decimals=0,
    )
    yield Indicator(
        slug="eleves_par_classe_ecoles",
        label="Élèves par classe dans les écoles",
        definition=(
            "Nombre moyen d'élèves par classe : somme des élèves divisée par la somme des classes des écoles dont "
            "les deux sont connus (ratio des sommes, jamais une moyenne de moyennes)."
        ),
        unit="élèves par classe",
        theme="Élèves et classes",
        sources=("effectifs-ecoles",),
        period_rule=RENTREE_PERIOD,
        coverage_rule="Part des écoles du répertoire dont les élèves et les classes de cette rentrée sont connus.",
        levels=ALL_LEVELS,
        measure=SchoolFigureRatio(variable=Variable.PUPILS, family="ecoles", denominator=Variable.CLASSES),
        direction=Direction.HIGHER_IS_WORSE,
    )


def _ips():
    sources = [source for ips in IPS_FAMILIES.values() for source in (ips.source, ips.weight_source) if source]
    yield Indicator(
        slug="ips_etablissements",
        label="IPS moyen des écoles et établissements",
        definition=(
            "Indice de position sociale (DEPP) moyen des écoles élémentaires et primaires, des collèges et des "
            "lycées, chacun pondéré par les élèves que son IPS décrit (ceux d'élémentaire pour une école) à la même "
            "rentrée. Quand cet effectif est inconnu pour une partie des établissements ayant un IPS, c'est la "
            "moyenne simple des établissements, signalée « non pondérée ». Les IPS « NS » (non significatifs) sont "
            "exclus."
        ),
        unit="IPS",
        theme="Indice de position sociale",
        sources=tuple(dict.fromkeys(sources)),
        period_rule=RENTREE_PERIOD,
        coverage_rule=(
            "Part des écoles élémentaires et primaires, collèges et lycées du répertoire ayant un IPS publié (hors "
            "« NS », non significatif)."
        ),
        levels=TERRITORY_LEVELS,
        measure=IpsMeanOfFamilies(weights=tuple((ips.family, ips.weight) for ips in IPS_FAMILIES.values())),
    )
    for family, ips in IPS_FAMILIES.items():
        sources = tuple(dict.fromkeys(source for source in (ips.source, ips.weight_source) if source))
        coverage_rule = f"Part {ips.described} du répertoire ayant un IPS publié (hors « NS », non significatif)."
        yield Indicator(
            slug=f"ips_{family}",
            label=f"IPS moyen {ips.of}",
            definition=(
                f"Indice de position sociale (DEPP) moyen {ips.described}, pondéré par {ips.weighted_by} de la même "
                "rentrée. Quand cet effectif est inconnu pour une partie des établissements ayant un IPS, c'est la "
                "moyenne simple des établissements, signalée « non pondérée ». Les IPS « NS » (non significatifs) "
                "sont exclus."
            ),
            unit="IPS",
            theme="Indice de position sociale",
            sources=sources,
            period_rule=RENTREE_PERIOD,
            coverage_rule=coverage_rule,
            levels=ALL_LEVELS,
            measure=IpsMean(family=ips.family, weight=ips.weight),
        )
        yield Indicator(
            slug=f"ips_{family}_mediane",
            label=f"IPS médian {ips.of}",
            definition=(
                f"Médiane des IPS {ips.described} : la moitié d'entre eux ont un IPS inférieur (chacun compte une "
                "fois, sans pondération)."
            ),
            unit="IPS",
            theme="Indice de position sociale",
            sources=(ips.source,),
            period_rule=RENTREE_PERIOD,
            coverage_rule=coverage_rule,
            levels=TERRITORY_LEVELS,
            measure=IpsMedian(family=ips.family),
        )
        for reference, label, levels in (
            ("academie", "de l'académie", BELOW_ACADEMIE),
            ("france", "de la France", BELOW_FRANCE),
        ):
            yield Indicator(
                slug=f"ips_{family}_ecart_{reference}",
                label=f"Écart de l'IPS moyen {ips.of} à celui {label}",
                definition=(
                    f"IPS moyen {ips.of} du territoire (ou IPS de l'établissement) moins l'IPS moyen {ips.of} "
                    f"{label} : positif quand la population scolaire est socialement plus favorisée."
                ),
                unit="points d'IPS",
                theme="Indice de position sociale",
                sources=sources,
                period_rule=RENTREE_PERIOD,
                coverage_rule=coverage_rule,
                levels=levels,
                measure=Gap(base=f"ips_{family}", reference=reference),
            )


# -- Éducation prioritaire ---------------------------------------------------------------------------------------


def _priority():
    for slug, networks, label in (
        ("part_rep", (PriorityEducation.REP,), "en REP"),
        ("part_rep_plus", (PriorityEducation.REP_PLUS,), "en REP+"),
        (
            "part_education_prioritaire",
            (PriorityEducation.REP, PriorityEducation.REP_PLUS),
            "en éducation prioritaire",
        ),
    ):
        yield Indicator(
            slug=slug,
            label=f"Part des écoles et collèges publics {label}",
            definition=(
                f"Part des écoles et collèges publics du répertoire {label}"
                f"{' (REP ou REP+)' if len(networks) > 1 else ''}, parmi ceux dont l'appartenance à l'éducation "
                "prioritaire est connue (décrits par l'annuaire de l'éducation ou le fichier des effectifs)."
            ),
            unit="%",
            theme="Éducation prioritaire",
            sources=("annuaire", "effectifs-ecoles"),
            period_rule=REGISTRY_PERIOD,
            coverage_rule=(
                "Part des écoles et collèges publics dont l'appartenance à l'éducation prioritaire est connue."
            ),
            levels=TERRITORY_LEVELS,
            measure=PriorityShare(networks=networks),
        )


# -- Population et territoire ------------------------------------------------------------------------------------


def _population():
    yield Indicator(
        slug="population",
        label="Population municipale",
        definition="Population municipale (INSEE, populations légales) : somme de celles des communes.",
        unit="habitants",
        theme="Population et territoire",
        sources=(GEOGRAPHY,),
        period_rule=GEOGRAPHY_PERIOD,
        coverage_rule="Part des communes dont la population est connue.",
        levels=TERRITORY_LEVELS,
        measure=PlaceSum(attribute="population"),
        decimals=0,
    )
    yield Indicator(
        slug="densite_population",
        label="Densité de population",
        definition="Population municipale divisée par la superficie, sommées sur les communes.",
        unit="hab./km²",
        theme="Population et territoire",
        sources=(GEOGRAPHY,),
        period_rule=GEOGRAPHY_PERIOD,
        coverage_rule="Part des communes dont la population et la superficie sont connues.",
        levels=TERRITORY_LEVELS,
        measure=PlaceRatio(attribute="population", denominator="area_km2"),
    )
    yield Indicator(
        slug="part_population_rurale",
        label="Part de la population vivant dans une commune rurale",
        definition=(
            "Part de la population municipale vivant dans une commune rurale au sens de la grille communale de "
            "densité de l'INSEE (niveaux 5 à 7 : bourgs ruraux, rural à habitat dispersé ou très dispersé). La "
            "valeur est signalée « estimée » quand le niveau de densité d'une partie des communes n'est pas celui "
            "de la grille importée mais une estimation."
        ),
        unit="%",
        theme="Population et territoire",
        sources=(GEOGRAPHY, "insee-densite"),
        period_rule=GEOGRAPHY_PERIOD,
        coverage_rule="Part de la population vivant dans une commune dont le niveau de densité est connu.",
        levels=TERRITORY_LEVELS,
        measure=RuralShare(),
    )


# -- Connectivité (Arcep) ----------------------------------------------------------------------------------------

ARCEP_COVERAGE = "Part de la population vivant dans une commune couverte par les statistiques Arcep."
SLOW_THRESHOLD = 0.5


def _connectivity():
    for slug, variable, speed, direction in (
        ("debit_8", "locaux_ge_8", "8 Mbit/s", Direction.HIGHER_IS_BETTER),
        ("debit_30", "locaux_ge_30", "30 Mbit/s (très haut débit)", Direction.HIGHER_IS_BETTER),
        ("debit_100", "locaux_ge_100", "100 Mbit/s", Direction.HIGHER_IS_BETTER),
    ):
        yield Indicator(
            slug=slug,
            label=f"Part des locaux éligibles à {speed} ou plus",
            definition=(
                f"Part des locaux (logements et locaux professionnels) éligibles à un débit descendant d'au moins "
                f"{speed} par un réseau filaire (DSL, câble, fibre), toutes technologies confondues : somme des "
                "locaux éligibles divisée par la somme des locaux des communes."
            ),
            unit="%",
            theme="Connectivité",
            sources=("arcep-debit",),
            period_rule=ARCEP_PERIOD,
            coverage_rule=ARCEP_COVERAGE,
            levels=TERRITORY_LEVELS,
            measure=ArcepShare(variable=variable),
            direction=direction,
        )
    yield Indicator(
        slug="debit_1000",
        label="Part des locaux éligibles à 1 Gbit/s (FttH)",
        definition=(
            "Part des locaux éligibles à un débit filaire d'au moins 1 Gbit/s. En pratique, seule la fibre "
            "jusqu'à l'abonné (FttH) l'atteint : c'est la part des locaux raccordables au FttH selon Arcep."
        ),
        unit="%",
        theme="Connectivité",
        sources=("arcep-debit",),
        period_rule=ARCEP_PERIOD,
        coverage_rule=ARCEP_COVERAGE,
        levels=TERRITORY_LEVELS,
        measure=ArcepShare(variable="locaux_ge_1000"),
        direction=Direction.HIGHER_IS_BETTER,
    )
    yield Indicator(
        slug="inelig_3",
        label="Part des locaux non éligibles à 3 Mbit/s",
        definition=(
            "Part des locaux qui n'ont accès à aucun débit filaire d'au moins 3 Mbit/s (1 − locaux éligibles à "
            "3 Mbit/s ou plus / locaux), sommes sur les communes."
        ),
        unit="%",
        theme="Connectivité",
        sources=("arcep-debit",),
        period_rule=ARCEP_PERIOD,
        coverage_rule=ARCEP_COVERAGE,
        levels=TERRITORY_LEVELS,
        measure=ArcepShare(variable="locaux_ge_3", complement=True),
        direction=Direction.HIGHER_IS_WORSE,
    )
    for speed, variable in (("30", "locaux_ge_30"), ("8", "locaux_ge_8")):
        slow = (
            f"une commune mal desservie à {speed} Mbit/s, c'est-à-dire où moins de {SLOW_THRESHOLD * 100:.0f} % des "
            f"locaux sont éligibles à {speed} Mbit/s ou plus en filaire (Arcep ; pour Paris, Lyon et Marseille, "
            "l'arrondissement quand il a ses propres données)"
        )
        coverage_rule = "Part des écoles et établissements dont la commune est couverte par les statistiques Arcep."
        yield Indicator(
            slug=f"etablissements_sous_{speed}",
            label=f"Écoles et établissements dans une commune mal desservie à {speed} Mbit/s",
            definition=(
                f"Nombre d'écoles et d'établissements du répertoire (hors fermés) situés dans {slow}, comptés là "
                "où le répertoire les recense tous (voir la couverture)."
            ),
            unit="établissements",
            theme="Connectivité",
            sources=("arcep-debit", *REGISTRY_SOURCES),
            period_rule=ARCEP_PERIOD,
            coverage_rule=_count_coverage_rule([])
            + " Les établissements d'une commune sans statistiques Arcep ne sont pas comptés.",
            levels=TERRITORY_LEVELS,
            measure=SchoolsInSlowCommunes(variable=variable, threshold=SLOW_THRESHOLD),
            direction=Direction.HIGHER_IS_WORSE,
            decimals=0,
        )
        yield Indicator(
            slug=f"part_etablissements_sous_{speed}",
            label=f"Part des écoles et établissements dans une commune mal desservie à {speed} Mbit/s",
            definition=(
                f"Part des écoles et établissements du répertoire (hors fermés) situés dans {slow}, parmi ceux dont "
                "la commune a des données Arcep."
            ),
            unit="%",
            theme="Connectivité",
            sources=("arcep-debit", *REGISTRY_SOURCES),
            period_rule=ARCEP_PERIOD,
            coverage_rule=coverage_rule,
            levels=TERRITORY_LEVELS,
            measure=SchoolsInSlowCommunes(variable=variable, threshold=SLOW_THRESHOLD, share=True),
            direction=Direction.HIGHER_IS_WORSE,
        )


# Figures of the communes from the Arcep observatory ("arcep-communes"): slug, variable, label, unit, definition.
ARCEP_COMMUNE_FIGURES = (
    ("logements", "logements", "Logements (Arcep)", "logements", "Nombre de logements"),
    (
        "locaux_professionnels",
        "etablissements",
        "Locaux professionnels (Arcep)",
        "locaux",
        "Nombre d'établissements (locaux professionnels)",
    ),
    (
        "communes_rurales_arcep",
        "commune_rurale",
        "Communes rurales (Arcep)",
        "communes",
        "Nombre de communes rurales au sens de l'Arcep",
    ),
    ("communes_montagne", "commune_montagne", "Communes de montagne", "communes", "Nombre de communes de montagne"),
    (
        "communes_zone_tres_dense",
        "zone_tres_dense",
        "Communes en zone très dense",
        "communes",
        "Nombre de communes situées en zone très dense (déploiement de la fibre)",
    ),
    (
        "communes_engagement_l33_13",
        "engagement_l33_13",
        "Communes sous engagement de déploiement L. 33-13",
        "communes",
        "Nombre de communes où un opérateur s'est engagé à déployer la fibre (article L. 33-13 du code des postes "
        "et des communications électroniques)",
    ),
)


def _arcep_communes():
    for slug, variable, label, unit, definition in ARCEP_COMMUNE_FIGURES:
        yield Indicator(
            slug=slug,
            label=label,
            definition=(
                f"{definition} selon l'observatoire Arcep du haut et très haut débit : somme des communes (pour une "
                "commune : 1 oui, 0 non, quand c'est un nombre de communes)."
                if unit == "communes"
                else f"{definition} selon l'observatoire Arcep du haut et très haut débit : somme des communes."
            ),
            unit=unit,
            theme="Connectivité",
            sources=("arcep-communes",),
            period_rule="Année de l'observatoire Arcep du haut et très haut débit chargé.",
            coverage_rule=ARCEP_COVERAGE,
            levels=TERRITORY_LEVELS,
            measure=PlaceFigureSum(variable=variable),
            decimals=0,
        )


register_indicators(
    (
        *_school_counts(),
        *_pupils(),
        *_ips(),
        *_priority(),
        *_population(),
        *_connectivity(),
        *_arcep_communes(),
    )
)


def public_indicators():
    return [indicator for indicator in CATALOGUE.values() if indicator.public]


def indicators_of_source(source):
    """The slugs of the indicators that read a source."""
    return [slug for slug, indicator in CATALOGUE.items() if source in indicator.sources]
