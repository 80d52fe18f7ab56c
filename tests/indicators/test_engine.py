"""Aggregation on the small made-up world (tests/schools/factories.py), every expected figure computed by hand.

The world: département 9Z (académie A99, région académique R99) with Étréchy-la-Forêt (12,345 inhabitants,
density 6 from the INSEE grid; Arcep 4,500 of 5,000 premises ≥ 30 Mbit/s) and Bourg-Neuf (45,000 inhabitants,
density 2 estimated; 10,000 of 20,000). In Étréchy: the public école élémentaire Jules Ferry (REP, IPS 100,
200 pupils), the public collège Schweitzer (IPS 110, 600 pupils) and the private école Sainte-Thérèse (IPS NS).
"""

import pytest

from edhub.indicators.engine import compute
from edhub.indicators.models import Note
from edhub.schools.models import Kind, School, SchoolFigure, Variable
from edhub.territories.models import Level
from tests.indicators.utils import value_of
from tests.opendata.factories import ImportRunFactory
from tests.schools.factories import SchoolFactory, SchoolFigureFactory
from tests.territories.factories import TerritoryFactory, TerritoryFigureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]

IPS = ["ips_ecoles", "ips_ecoles_mediane", "ips_ecoles_ecart_academie", "ips_ecoles_ecart_france"]


def ecole(world, uai, commune, ips, pupils, kind=Kind.ECOLE_ELEMENTAIRE, rentree=2022):
    school = SchoolFactory(uai=uai, kind=kind, commune=commune, run=world.directory)
    SchoolFigureFactory(school=school, variable=Variable.IPS, rentree=rentree, value=ips, run=world.ips_run)
    if pupils is not None:
        SchoolFigureFactory(
            school=school, variable=Variable.PUPILS_ELEMENTAIRE, rentree=rentree, value=pupils, run=world.pupils_run
        )
    return school


@pytest.fixture
def ips_world(world):
    """The world with élémentaire pupils for Jules Ferry, one more école in Étréchy and one in Bourg-Neuf."""
    SchoolFigureFactory(
        school=world.ferry, variable=Variable.PUPILS_ELEMENTAIRE, rentree=2022, value=200, run=world.pupils_run
    )
    world.pasteur = ecole(world, "9990004D", world.etrechy, ips=120, pupils=100)
    world.moulin = ecole(world, "9990005E", world.bourg, ips=80, pupils=50, kind=Kind.ECOLE_PRIMAIRE)
    return world


def test_ips_is_weighted_by_pupils_never_a_mean_of_means(ips_world):
    w = ips_world
    compute(IPS)

    # Étréchy: (100 × 200 + 120 × 100) / 300; Sainte-Thérèse (NS) counts in the coverage only.
    etrechy = value_of("ips_ecoles", w.etrechy, "2022")
    assert etrechy.value == pytest.approx(32_000 / 300)
    assert (etrechy.numerator, etrechy.denominator, etrechy.coverage, etrechy.note) == (32_000, 300, 2 / 3, "")
    assert value_of("ips_ecoles", w.bourg, "2022").value == 80
    # The département sums numerators and denominators: 36,000 / 350, not (106.67 + 80) / 2 = 93.3,
    # nor the plain mean of the schools (100).
    departement = value_of("ips_ecoles", w.departement, "2022")
    assert departement.value == pytest.approx(36_000 / 350)
    assert (departement.numerator, departement.denominator, departement.coverage) == (36_000, 350, 3 / 4)
    for territory in (w.academie, w.region_academique):
        assert value_of("ips_ecoles", territory, "2022").value == pytest.approx(36_000 / 350)
    # France: 3 IPS of rentrée 2022 among the tens of thousands of écoles of the real files, a coverage under
    # 0.1 %: no value is published, its coverage is kept to say why.
    france = value_of("ips_ecoles", w.france, "2022")
    ecoles = School.objects.exclude(state="closed").filter(kind__in=(Kind.ECOLE_ELEMENTAIRE, Kind.ECOLE_PRIMAIRE))
    assert france == (None, None, None, pytest.approx(3 / ecoles.count()), "")
    # A school's own value; the collège is not an école.
    ferry = value_of("ips_ecoles", w.ferry, "2022")
    assert (ferry.value, ferry.numerator, ferry.denominator, ferry.coverage) == (100, 20_000, 200, 1)
    assert value_of("ips_ecoles", w.schweitzer, "2022") is None
    assert value_of("ips_ecoles", w.therese, "2022") is None

    assert value_of("ips_ecoles_mediane", w.departement, "2022").value == 100
    assert value_of("ips_ecoles_mediane", w.etrechy, "2022").value == 110
    assert value_of("ips_ecoles_ecart_academie", w.etrechy, "2022").value == pytest.approx(32_000 / 300 - 36_000 / 350)
    assert value_of("ips_ecoles_ecart_academie", w.ferry, "2022").value == pytest.approx(100 - 36_000 / 350)
    assert value_of("ips_ecoles_ecart_academie", w.departement, "2022").value == pytest.approx(0)
    assert value_of("ips_ecoles_ecart_academie", w.academie, "2022") is None  # not a level of this gap
    # No gap to a France that has no value.
    assert value_of("ips_ecoles_ecart_france", w.moulin, "2022") is None


def test_ips_falls_back_to_the_plain_mean_when_pupils_are_unknown(ips_world):
    w = ips_world
    ecole(w, "9990006F", w.bourg, ips=90, pupils=None)
    compute(["ips_ecoles"])

    bourg = value_of("ips_ecoles", w.bourg, "2022")
    assert (bourg.value, bourg.numerator, bourg.denominator, bourg.note) == (85, 170, 2, Note.UNWEIGHTED)
    departement = value_of("ips_ecoles", w.departement, "2022")
    assert (departement.value, departement.note) == ((100 + 120 + 80 + 90) / 4, Note.UNWEIGHTED)
    # Étréchy alone still knows every weight.
    assert value_of("ips_ecoles", w.etrechy, "2022").note == ""


def test_pupils_and_ips_of_every_school(ips_world):
    """The territory sheet's key figures: pupils of every family, and the IPS of écoles, collèges and lycées, each
    weighted by the pupils its IPS describes."""
    w = ips_world
    SchoolFigureFactory(school=w.pasteur, variable=Variable.PUPILS, rentree=2022, value=130, run=w.pupils_run)
    compute(["eleves_etablissements", "ips_etablissements"])

    # Ferry 200, Schweitzer 600, Thérèse 150, Pasteur 130; Moulin has no pupils of the rentrée: coverage 4 / 5.
    departement = value_of("eleves_etablissements", w.departement, "2022")
    assert departement == (1_080, 1_080, None, 4 / 5, "")
    assert value_of("eleves_etablissements", w.bourg, "2022") is None
    # Écoles weighted by their élémentaire pupils, the collège by its pupils: (100 × 200 + 120 × 100 + 110 × 600)
    # / 900 in Étréchy; Thérèse (NS) counts in the coverage only.
    etrechy = value_of("ips_etablissements", w.etrechy, "2022")
    assert etrechy.value == pytest.approx(98_000 / 900)
    assert (etrechy.numerator, etrechy.denominator, etrechy.coverage, etrechy.note) == (98_000, 900, 3 / 4, "")
    departement = value_of("ips_etablissements", w.departement, "2022")
    assert (departement.numerator, departement.denominator, departement.coverage) == (102_000, 950, 4 / 5)

    # A lycée with an IPS but no pupils: the plain mean of the schools, said so.
    lycee = SchoolFactory(uai="9990007G", kind=Kind.LYCEE_GT, commune=w.bourg, run=w.directory)
    SchoolFigureFactory(school=lycee, variable=Variable.IPS, rentree=2022, value=130, run=w.ips_run)
    ImportRunFactory(source="ips-lycees")
    compute(["ips_etablissements"])
    bourg = value_of("ips_etablissements", w.bourg, "2022")
    assert (bourg.value, bourg.numerator, bourg.denominator, bourg.note) == (105, 210, 2, Note.UNWEIGHTED)


def test_figures_of_the_communes_sum_upward(world):
    """Arcep's figures of the communes (logements, yes/no flags counting communes), with the share of the
    population living in a commune with the figure as coverage."""
    for commune, logements, mountain in ((world.etrechy, 4_000, 1), (world.bourg, None, 0)):
        if logements is not None:
            TerritoryFigureFactory(territory=commune, variable="logements", period="2018", value=logements)
        TerritoryFigureFactory(territory=commune, variable="commune_montagne", period="2018", value=mountain)
    compute(["logements", "communes_montagne"])

    assert value_of("logements", world.etrechy, "2018") == (4_000, 4_000, None, 1, "")
    assert value_of("logements", world.bourg, "2018") is None
    departement = value_of("logements", world.departement, "2018")
    assert (departement.value, departement.coverage) == (4_000, pytest.approx(12_345 / 57_345))
    assert value_of("communes_montagne", world.departement, "2018")[:4] == (1, 1, None, 1)
    assert value_of("communes_montagne", world.bourg, "2018").value == 0


def test_shares_of_premises_are_ratios_of_sums(world):
    compute(["debit_30", "inelig_3"])

    assert value_of("debit_30", world.etrechy, "2019-09-30")[:4] == (90, 4_500, 5_000, 1)
    assert value_of("debit_30", world.bourg, "2019-09-30").value == 50
    # 14,500 / 25,000 = 58 %, not the mean of the communes' shares (70 %).
    for territory in (world.departement, world.academie, world.region_academique):
        assert value_of("debit_30", territory, "2019-09-30")[:4] == (58, 14_500, 25_000, 1)
    # Without the 3 Mbit/s figure, nothing is known of the premises not eligible to it: no value at all.
    assert value_of("inelig_3", world.departement, "2019-09-30") is None


def test_coverage_of_premises_is_the_share_of_the_population_with_figures(world):
    for variable, value in (("locaux", 100), ("locaux_ge_30", 25)):
        TerritoryFigureFactory(
            territory=world.bourg, variable=variable, period="2020-12-31", value=value, run=world.arcep_run
        )
    compute(["debit_30"])

    departement = value_of("debit_30", world.departement, "2020-12-31")
    assert (departement.value, departement.coverage) == (25, pytest.approx(45_000 / 57_345))
    assert value_of("debit_30", world.etrechy, "2020-12-31") is None


def test_schools_are_counted_by_family_and_sector(world):
    counts = ["etablissements", "etablissements_publics", "ecoles", "ecoles_privees", "colleges", "lycees"]
    compute(counts)

    # The directory lists écoles and collèges of 9Z: both are covered there; no source lists its lycées, so their
    # count is not communicated (None, coverage 0), not 0; the total covers 2 (département, family) cells of 3.
    for territory in (world.etrechy, world.departement, world.academie):
        assert [value_of(slug, territory, "2026").value for slug in counts] == [3, 2, 2, 1, 1, None]
        assert [value_of(slug, territory, "2026").coverage for slug in counts] == [2 / 3, 2 / 3, 1, 1, 1, 0]
    # Bourg-Neuf has no school, in a département whose écoles are all listed: 0, fully covered.
    assert value_of("ecoles", world.bourg, "2026")[:4] == (0, 0, None, 1)
    assert value_of("lycees", world.bourg, "2026") == (None, None, None, 0, "")


def test_a_source_listing_some_schools_only_does_not_cover_its_departements(world):
    """Écoles known from the IPS file alone (it lists only the écoles with an IPS) are not a count of écoles; the
    effectifs file lists every école of its département: it covers it."""
    other = TerritoryFactory(
        level=Level.DEPARTEMENT, code="9X", name="Val-d'Essai", parent=world.academie, academie=world.academie
    )
    commune = TerritoryFactory(code="9X001", name="Essai-sur-Mer", parent=other, departement=other)
    ips_run = ImportRunFactory(source="ips-ecoles")
    SchoolFactory(uai="9990010K", kind=Kind.ECOLE_PRIMAIRE, commune=commune, run=ips_run)
    compute(["ecoles"])
    assert value_of("ecoles", other, "2026") == (None, None, None, 0, "")
    # 9Z's écoles are all listed, 9X's are not: the académie counts 9Z's only, covering 1 département of 2.
    assert value_of("ecoles", world.academie, "2026")[::3] == (2, 1 / 2)

    school = SchoolFactory(uai="9990011L", kind=Kind.ECOLE_MATERNELLE, commune=commune, run=ips_run)
    effectifs = ImportRunFactory(source="effectifs-ecoles")
    SchoolFigureFactory(school=school, variable=Variable.PUPILS, rentree=2022, value=80, run=effectifs)
    compute(["ecoles"])
    assert value_of("ecoles", other, "2026")[::3] == (2, 1)
    assert value_of("ecoles", world.academie, "2026")[::3] == (4, 1)


def test_share_of_priority_education_among_schools_whose_status_is_known(world):
    compute(["part_rep", "part_rep_plus"])
    # Public écoles and collèges: Jules Ferry (REP) and Schweitzer; the private school does not count.
    assert value_of("part_rep", world.etrechy, "2026")[:4] == (50, 1, 2, 1)
    assert value_of("part_rep_plus", world.etrechy, "2026").value == 0

    # A public école known from the IPS file only: its status is unknown, the share stays, the coverage drops.
    SchoolFactory(uai="9990007G", commune=world.etrechy, run=ImportRunFactory(source="ips-ecoles"))
    compute(["part_rep"])
    assert value_of("part_rep", world.etrechy, "2026")[:4] == (50, 1, 2, 2 / 3)


def test_population_density_and_rurality(world):
    ImportRunFactory(source="geographie")  # the world's communes come from no geography import: announce them
    compute(["population", "densite_population", "part_population_rurale"])

    assert value_of("population", world.departement, "2026").value == 12_345 + 45_000
    assert value_of("densite_population", world.departement, "2026").value == pytest.approx(57_345 / 30.5)
    rural = value_of("part_population_rurale", world.departement, "2026")
    assert rural[:5] == (pytest.approx(100 * 12_345 / 57_345), 12_345, 57_345, 1, Note.ESTIMATED)
    # Étréchy's density comes from the INSEE grid, Bourg-Neuf's is estimated.
    assert value_of("part_population_rurale", world.etrechy, "2026")[::4] == (100, "")
    assert value_of("part_population_rurale", world.bourg, "2026")[::4] == (0, Note.ESTIMATED)


def test_schools_in_communes_badly_served(world):
    world.etrechy.figures.filter(variable="locaux_ge_30").update(value=2_000)  # 40 % < 50 %
    SchoolFactory(uai="9990008H", commune=world.bourg, run=world.directory)  # 50 %: not below the threshold
    compute(["etablissements_sous_30", "part_etablissements_sous_30"])

    # Counted where the registry lists them all (écoles and collèges of 9Z, no lycée: 2 cells of 3).
    assert value_of("etablissements_sous_30", world.etrechy, "2019-09-30")[::3] == (3, 2 / 3)
    assert value_of("etablissements_sous_30", world.bourg, "2019-09-30")[::3] == (0, 2 / 3)
    assert value_of("etablissements_sous_30", world.departement, "2019-09-30")[::3] == (3, 2 / 3)
    share = value_of("part_etablissements_sous_30", world.departement, "2019-09-30")
    assert share[:4] == (75, 3, 4, 1)


def test_arrondissements_sum_into_their_commune_without_double_counting(world):
    links = {
        "departement": world.departement,
        "academie": world.academie,
        "region_academique": world.region_academique,
    }
    ville = TerritoryFactory(code="9Z003", name="Ville", population=400, parent=world.departement, **links)
    first, second = (
        TerritoryFactory(level=Level.ARRONDISSEMENT, code=code, population=200, parent=ville, **links)
        for code in ("9Z301", "9Z302")
    )
    for territory, premises, fast in ((first, 100, 80), (second, 300, 60)):
        TerritoryFigureFactory(territory=territory, variable="locaux", period="2019-09-30", value=premises)
        TerritoryFigureFactory(territory=territory, variable="locaux_ge_30", period="2019-09-30", value=fast)
    SchoolFactory(uai="9990009J", commune=first, run=world.directory)
    compute(["debit_30", "etablissements"])

    assert value_of("debit_30", first, "2019-09-30").value == 80
    assert value_of("debit_30", ville, "2019-09-30")[:3] == (35, 140, 400)  # its arrondissements' sum
    assert value_of("debit_30", world.departement, "2019-09-30")[1:3] == (14_640, 25_400)
    assert value_of("etablissements", ville, "2026").value == 1
    assert value_of("etablissements", world.departement, "2026").value == 4

    # With figures of its own, the commune's win: its arrondissements' are not added again.
    TerritoryFigureFactory(territory=ville, variable="locaux", period="2019-09-30", value=400)
    TerritoryFigureFactory(territory=ville, variable="locaux_ge_30", period="2019-09-30", value=200)
    ImportRunFactory(source="arcep-debit")
    compute(["debit_30"])
    assert value_of("debit_30", ville, "2019-09-30")[:3] == (50, 200, 400)
    assert value_of("debit_30", world.departement, "2019-09-30")[1:3] == (14_700, 25_400)
    assert value_of("debit_30", first, "2019-09-30").value == 80


def test_a_partial_computation_gives_the_values_of_a_full_one(ips_world):
    slugs = [*IPS, "debit_30", "etablissements", "ecoles", "population"]
    ImportRunFactory(source="geographie")  # the world's communes come from no geography import: announce them
    compute(slugs)
    # The world moves: one more pupil at Jules Ferry, one more school in Bourg-Neuf.
    SchoolFigure.objects.filter(school=ips_world.ferry, variable=Variable.PUPILS_ELEMENTAIRE).update(value=201)
    ecole(ips_world, "9990010K", ips_world.bourg, ips=95, pupils=40)
    ImportRunFactory(source="effectifs-ecoles")

    partial = {o.slug: o for o in compute(slugs, territory=ips_world.departement)}
    assert partial["ips_ecoles"].updated >= 5  # schools' communes, département, académie, région académique, France
    assert partial["population"].skipped
    assert value_of("ips_ecoles", ips_world.departement, "2022").value == pytest.approx(
        (100 * 201 + 120 * 100 + 80 * 50 + 95 * 40) / (201 + 100 + 50 + 40)
    )
    full = compute(slugs, force=True)
    assert {o.slug: (o.created, o.updated, o.deleted) for o in full} == dict.fromkeys(slugs, (0, 0, 0))
