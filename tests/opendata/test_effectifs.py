import pytest

from edhub.opendata.importing import run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES
from edhub.schools.models import School, SchoolFigure, Variable

pytestmark = pytest.mark.django_db
EFFECTIFS = "fr-en-ecoles-effectifs-nb_classes_035.csv"


def test_pupil_counts_of_ille_et_vilaine_join_on_uai_for_four_rentrees():
    run = ImportRun.objects.succeeded().get(source="effectifs-ecoles")
    assert (run.rows_read, run.rows_rejected) == (2704, 0)
    assert run.vintage == "2019-2020 à 2022-2023"
    pupils = SchoolFigure.objects.filter(variable=Variable.PUPILS, school__commune__departement__code="35")
    assert {r: pupils.filter(rentree=r).count() for r in (2019, 2020, 2021, 2022)} == {
        2019: 677,
        2020: 676,
        2021: 676,
        2022: 675,
    }
    acigne = SchoolFigure.objects.filter(school_id="0350103X", rentree=2022)
    assert {f.variable: f.value for f in acigne if f.variable in (Variable.PUPILS, Variable.CLASSES)} == {
        Variable.PUPILS: 289.0,
        Variable.CLASSES: 12.0,
    }


def test_schools_only_in_this_file_get_their_commune_from_its_name():
    school = SchoolFigure.objects.filter(school_id="0351981N").first().school
    assert school.commune.code == "35001"  # Acigné
    assert school.name == "ECOLE MATERNELLE PUBLIQUE LE CHAT PERCHE"


def test_inconsistent_totals_keep_the_school_without_its_total_and_warn(variant):
    def edit(lines):
        cells = lines[1].split(";")
        cells[12] = "999"  # Nombre total d'élèves no longer the sum of the levels
        return [lines[0], ";".join(cells), lines[2]]

    run = run_import(SOURCES["effectifs-ecoles"], variant(EFFECTIFS, edit, suffix="eff.csv")).run
    assert run.rejections == []
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings] == [
        (2, "Nombre total d'élèves", "999", "total incohérent : la somme des niveaux fait 289 ; champ laissé vide"),
    ]
    # The total already known is kept; the classes of the row are read.
    assert SchoolFigure.objects.get(school_id="0350103X", rentree=2022, variable=Variable.PUPILS).value == 289.0


def test_rep_and_rep_plus_columns_are_told_apart():
    """'REP' and 'REP +' are two columns: a header's '+' is kept as a word."""
    ecoles = School.objects.filter(commune__departement__code="35")
    assert School.objects.get(uai="0351663T").priority_education == "REP"  # REP 1, REP + 0 every rentrée
    assert ecoles.filter(priority_education="REP+").count() == 5
    assert ecoles.filter(priority_education="REP").count() == 44
