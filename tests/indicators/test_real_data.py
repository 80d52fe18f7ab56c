"""Indicators computed on the real extracts loaded in the test database, checked against figures computed here
independently from the imported rows, and a few figures checked by hand."""

import pytest
from django.db.models import Count, Sum

from edhub.indicators.engine import compute
from edhub.indicators.models import SCHOOL_LEVEL, IndicatorValue, Note
from edhub.schools.models import ECOLE_KINDS, Kind, School, SchoolFigure, Sector, Variable
from edhub.territories.models import Level, Territory, TerritoryFigure
from edhub.territories.queries import counted_schools
from tests.conftest import SESSION_INDICATORS
from tests.indicators.utils import value_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]

ARCEP = "2019-09-30"


def territory(level, code):
    return Territory.objects.get(level=level, code=code)


def registry_period():
    return IndicatorValue.objects.filter(indicator="ecoles").values_list("period", flat=True).first()


def test_public_ecoles_of_val_de_marne():
    val_de_marne = territory(Level.DEPARTEMENT, "94")
    expected = counted_schools(val_de_marne).filter(kind__in=ECOLE_KINDS, sector=Sector.PUBLIC).count()
    # The 613 écoles of the directory extract, and the public écoles of 94 found in the IPS file only.
    assert expected >= 613
    assert value_of("ecoles_publiques", val_de_marne, registry_period()).value == expected


def test_schools_of_paris_arrondissements_count_for_paris():
    paris = territory(Level.COMMUNE, "75056")
    in_arrondissements = School.objects.filter(commune__parent=paris).exclude(state="closed").count()
    assert in_arrondissements > 600
    # Only the collèges of Paris are all listed (geolocation file): its écoles come from the IPS file alone.
    colleges = counted_schools(paris).filter(kind=Kind.COLLEGE).count()
    assert value_of("etablissements", paris, registry_period())[::3] == (colleges, 1 / 3) == (217, 1 / 3)
    first = territory(Level.ARRONDISSEMENT, "75101")
    colleges = counted_schools(first).filter(kind=Kind.COLLEGE).count()
    assert value_of("etablissements", first, registry_period())[::3] == (colleges, 1 / 3)


# (level, code): (écoles, their coverage), (collèges, coverage), (écoles, collèges and lycées, coverage)
SCHOOL_COUNTS = {
    # The directory extract lists the écoles of Val-de-Marne, the effectifs file those of Ille-et-Vilaine, the
    # geolocation file the collèges of the 101 départements; no source lists the lycées.
    ("france", "FR"): ((1_332, 2 / 101), (7_542, 1), (8_874, 103 / 303)),
    ("departement", "94"): ((652, 1), (142, 1), (794, 2 / 3)),
    ("departement", "35"): ((680, 1), (117, 1), (797, 2 / 3)),
    ("departement", "33"): ((None, 0), (162, 1), (162, 1 / 3)),  # Gironde: its écoles from the IPS file only
    ("academie", "24"): ((652, 1 / 3), (476, 1), (1_128, 4 / 9)),  # Créteil: Seine-et-Marne, Seine-Saint-Denis, 94
    ("academie", "14"): ((680, 1 / 4), (401, 1), (1_081, 5 / 12)),  # Rennes: 4 départements
    ("region_academique", "11"): ((652, 1 / 8), (1_294, 1), (1_946, 9 / 24)),  # Île-de-France: 8 départements
    ("epci", "200054781"): ((652, 1 / 6), (714, 1), (1_366, 7 / 18)),  # Grand Paris: communes of 6 départements
    ("commune", "94028"): ((45, 1), (11, 1), (56, 2 / 3)),  # Créteil
    ("commune", "35238"): ((95, 1), (20, 1), (115, 2 / 3)),  # Rennes
}


@pytest.mark.parametrize(("level", "code"), list(SCHOOL_COUNTS))
def test_school_counts_say_their_coverage(level, code):
    place = territory(level, code)
    found = tuple(value_of(slug, place, registry_period())[::3] for slug in ("ecoles", "colleges", "etablissements"))
    assert found == SCHOOL_COUNTS[level, code]


def test_count_of_france_is_that_of_its_covered_departements():
    """France's écoles are those of Val-de-Marne and Ille-et-Vilaine, not the 32,000 of the IPS file."""
    ecoles = counted_schools().filter(kind__in=ECOLE_KINDS)
    assert ecoles.filter(commune__departement__code__in=("94", "35")).count() == 1_332
    assert ecoles.count() > 32_000


def test_lycees_are_not_communicated_anywhere():
    """No loaded source lists the lycées: no territory has a count of them, not even 0, and each says why."""
    values = IndicatorValue.objects.filter(indicator="lycees", period=registry_period())
    assert values.filter(value__isnull=False).count() == 0
    assert set(values.values_list("coverage", flat=True).distinct()) == {0.0}
    assert values.filter(level=Level.DEPARTEMENT).count() == 101
    assert value_of("lycees", territory(Level.FRANCE, "FR"), registry_period()) == (None, None, None, 0.0, "")


def test_france_share_of_premises_eligible_to_30_mbits():
    figures = TerritoryFigure.objects.filter(period=ARCEP, territory__level=Level.COMMUNE)
    totals = {row["variable"]: row["total"] for row in figures.values("variable").annotate(total=Sum("value"))}
    france = value_of("debit_30", territory(Level.FRANCE, "FR"), ARCEP)
    assert (france.numerator, france.denominator) == (totals["locaux_ge_30"], totals["locaux"])
    assert france.value == pytest.approx(100 * totals["locaux_ge_30"] / totals["locaux"])
    assert round(france.value, 2) == 55.62
    not_eligible = value_of("inelig_3", territory(Level.FRANCE, "FR"), ARCEP)
    assert not_eligible.value == pytest.approx(100 * (totals["locaux"] - totals["locaux_ge_3"]) / totals["locaux"])


def test_every_level_has_its_values():
    levels = dict(
        IndicatorValue.objects.filter(indicator="debit_30", period=ARCEP)
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert {level: levels.get(level) for level in ("france", "region_academique", "academie", "region")} == {
        "france": 1,
        "region_academique": 18,
        "academie": 30,
        "region": 18,
    }
    assert levels["departement"] == 101
    assert levels["commune"] > 34_000


def test_ips_of_an_ille_et_vilaine_commune_weighted_by_its_pupils():
    rennes = territory(Level.COMMUNE, "35238")
    ecoles = School.objects.filter(commune=rennes, kind__in=(Kind.ECOLE_ELEMENTAIRE, Kind.ECOLE_PRIMAIRE))
    ips = dict(
        SchoolFigure.objects.filter(school__in=ecoles, variable=Variable.IPS, rentree=2021, status="").values_list(
            "school_id", "value"
        )
    )
    pupils = dict(
        SchoolFigure.objects.filter(school__in=ecoles, variable=Variable.PUPILS_ELEMENTAIRE, rentree=2021).values_list(
            "school_id", "value"
        )
    )
    assert len(ips) > 50
    assert set(ips) <= set(pupils)  # every école with an IPS has its pupils: the mean is weighted
    weighted = sum(ips[uai] * pupils[uai] for uai in ips)
    weights = sum(pupils[uai] for uai in ips)

    value = value_of("ips_ecoles", rennes, "2021")
    assert value.value == pytest.approx(weighted / weights)
    assert (value.numerator, value.denominator, value.note) == (pytest.approx(weighted), weights, "")
    assert value.coverage == len(ips) / ecoles.exclude(state="closed").count()
    assert round(value.value, 2) == 107.04
    # Without pupils in the rest of the académie, its IPS is the plain mean of its écoles.
    academie = value_of("ips_ecoles", rennes.academie, "2021")
    assert academie.note == Note.UNWEIGHTED
    gap = value_of("ips_ecoles_ecart_academie", rennes, "2021")
    assert gap.value == pytest.approx(value.value - academie.value)


def test_school_values_are_the_schools_own():
    school = School.objects.get(uai="0350602P")  # an école élémentaire of Rennes
    value = value_of("ips_ecoles", school, "2021")
    # Weighted by its élémentaire pupils: 260 of its 272 pupils (12 are in ULIS).
    assert (value.value, value.numerator, value.denominator, value.coverage) == (105.7, 105.7 * 260, 260, 1)
    assert IndicatorValue.objects.filter(school=school, indicator="ips_ecoles").get().level == SCHOOL_LEVEL


def test_population_and_rurality_of_france():
    france = territory(Level.FRANCE, "FR")
    communes = Territory.objects.current().filter(level=Level.COMMUNE).aggregate(total=Sum("population"))["total"]
    assert value_of("population", france, "2026").value == communes == 68_350_798
    rural = value_of("part_population_rurale", france, "2026")
    # No INSEE grid is loaded in the test database: every density level is estimated, and said so.
    assert rural.note == Note.ESTIMATED
    assert 0 < rural.value < 100


def test_pupils_of_ille_et_vilaine_with_their_coverage():
    ille_et_vilaine = territory(Level.DEPARTEMENT, "35")
    rentree = 2021
    figures = SchoolFigure.objects.filter(
        variable=Variable.PUPILS,
        rentree=rentree,
        school__kind__in=ECOLE_KINDS,
        school__commune__departement=ille_et_vilaine,
    )
    value = value_of("eleves_ecoles", ille_et_vilaine, str(rentree))
    assert value.value == figures.aggregate(total=Sum("value"))["total"]
    with_pupils = figures.values("school_id").distinct().count()
    ecoles = counted_schools(ille_et_vilaine).filter(kind__in=ECOLE_KINDS)
    closed_with_pupils = School.objects.filter(uai__in=figures.values("school_id"), state="closed").count()
    universe = ecoles.count() + closed_with_pupils
    assert value.coverage == pytest.approx(with_pupils / universe)
    # Nothing is known of the pupils of Val-de-Marne: no value ("N.C.").
    assert value_of("eleves_ecoles", territory(Level.DEPARTEMENT, "94"), str(rentree)) is None


@pytest.mark.parametrize(("level", "code"), [("departement", "35"), ("commune", "75056"), ("epci", "200054781")])
def test_partial_computation_matches_the_full_one(level, code):
    outcomes = compute(SESSION_INDICATORS, territory=territory(level, code), force=True)
    assert {(o.created, o.updated, o.deleted) for o in outcomes} == {(0, 0, 0)}
    assert sum(o.unchanged for o in outcomes) > 100


def test_schools_in_badly_served_communes_are_counted_where_all_are_listed():
    france = territory(Level.FRANCE, "FR")
    slow = value_of("etablissements_sous_30", france, ARCEP)
    # The écoles of 2 départements, the collèges of 101, no lycée: 103 cells of 303, as the count of schools.
    assert (slow.value, slow.coverage) == (3_748, 103 / 303)
    assert value_of("etablissements", france, registry_period()).value == 8_874
