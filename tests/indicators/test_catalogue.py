import re

import pytest

from edhub.indicators.catalogue import ALL_LEVELS, CATALOGUE, Direction, public_indicators
from edhub.indicators.inputs import Inputs
from edhub.indicators.measures import Aggregation, Declared, Gap, IpsMean, SchoolFigureSum
from edhub.indicators.models import SCHOOL_LEVEL
from edhub.inventories.models import SOURCE as INVENTORIES
from edhub.opendata.sources import SOURCES
from edhub.territories.geography import SOURCE as GEOGRAPHY
from edhub.territories.models import Level

INDICATORS = list(CATALOGUE.values())


def test_what_the_observatory_promises_is_there():
    expected = {
        # schools by family and sector
        "etablissements",
        "etablissements_publics",
        "etablissements_prives",
        "ecoles",
        "ecoles_publiques",
        "ecoles_privees",
        "colleges",
        "colleges_publics",
        "colleges_prives",
        "lycees",
        "lycees_publics",
        "lycees_prives",
        # pupils and classes
        "eleves_etablissements",
        "eleves_ecoles",
        "classes_ecoles",
        "eleves_par_classe_ecoles",
        # IPS and its gaps
        "ips_etablissements",
        "ips_ecoles",
        "ips_ecoles_ecart_academie",
        "ips_ecoles_ecart_france",
        "ips_colleges",
        # éducation prioritaire
        "part_rep",
        "part_rep_plus",
        # population and rurality
        "population",
        "part_population_rurale",
        # broadband (Arcep)
        "debit_30",
        "debit_8",
        "debit_100",
        "debit_1000",
        "inelig_3",
        "etablissements_sous_30",
        # figures of the communes (Arcep)
        "logements",
        "locaux_professionnels",
        "communes_rurales_arcep",
        "communes_montagne",
        "communes_zone_tres_dense",
        "communes_engagement_l33_13",
        "part_etablissements_sous_30",
        # equipment, connection and uses (local declarations)
        "eleves_par_terminal",
        "part_terminaux_mobiles",
        "affichage_par_classe",
        "part_classes_wifi",
        "part_connexion_fibre",
        "part_debit_mesure_30",
        "part_ent",
        "part_socle_numerique",
    }
    assert expected <= set(CATALOGUE)


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.slug)
def test_definition_is_complete(indicator):
    assert re.fullmatch(r"[a-z0-9_]+", indicator.slug)
    assert CATALOGUE[indicator.slug] is indicator
    texts = (indicator.label, indicator.definition, indicator.unit, indicator.period_rule, indicator.coverage_rule)
    assert all(texts)
    assert all(text.strip() == text for text in texts)
    assert indicator.definition.endswith(".")
    assert indicator.period_rule.endswith(".")
    assert indicator.sources
    assert set(indicator.sources) <= {*SOURCES, GEOGRAPHY, INVENTORIES}
    assert set(indicator.dependencies) >= {*indicator.sources, GEOGRAPHY}
    assert indicator.levels
    assert set(indicator.levels) <= set(ALL_LEVELS)
    assert indicator.aggregation in Aggregation.values
    assert indicator.direction in Direction.values
    assert indicator.decimals >= 0
    assert indicator.public is True


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.slug)
def test_a_value_exists_at_school_level_only_when_a_school_has_one(indicator):
    measure = (indicator.derived_from or indicator).measure
    if SCHOOL_LEVEL in indicator.levels:
        assert isinstance(measure, SchoolFigureSum | IpsMean | Declared)
    if indicator.unit == "%":
        assert indicator.aggregation == Aggregation.SHARE


def test_gaps_are_measured_to_a_level_above_each_of_theirs():
    gaps = [indicator for indicator in INDICATORS if isinstance(indicator.measure, Gap)]
    assert len(gaps) == 6
    for gap in gaps:
        assert gap.derived_from.slug == gap.measure.base
        assert set(gap.levels) <= set(gap.derived_from.levels)
        assert gap.aggregation == Aggregation.GAP
        above = {Level.ACADEMIE: (Level.ACADEMIE, Level.REGION, Level.REGION_ACADEMIQUE, Level.FRANCE)}
        forbidden = above.get(gap.measure.reference, (Level.FRANCE,))
        assert not set(gap.levels) & set(forbidden)
        # Ordered after their base: the engine evaluates the base first.
        assert list(CATALOGUE).index(gap.slug) > list(CATALOGUE).index(gap.measure.base)


@pytest.mark.django_db
def test_every_input_a_measure_reads_has_a_fingerprint(world):
    inputs = Inputs()
    keys = {key for indicator in INDICATORS for key in (indicator.derived_from or indicator).measure.reads}
    assert {"geography", "registry", "school:ips", "territory:locaux", "inventory"} <= keys
    fingerprints = {key: inputs.fingerprint(key) for key in keys}
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in fingerprints.values())
    assert len(set(fingerprints.values())) == len(keys)


def test_public_catalogue_keeps_its_order():
    assert [indicator.slug for indicator in public_indicators()] == list(CATALOGUE)
