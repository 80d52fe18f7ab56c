import pytest

from edhub.opendata.importing import run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES
from edhub.schools.models import Kind, School, SchoolFigure, Variable

pytestmark = pytest.mark.django_db
IPS = "fr-en-ips_ecoles_2021-2022.csv"


def test_national_ips_file_joins_at_least_995_per_mille():
    run = ImportRun.objects.succeeded().get(source="ips-ecoles")
    assert run.rows_read == 32091
    assert run.rows_rejected == 11
    assert (run.rows_read - run.rows_rejected) / run.rows_read >= 0.995
    # What does not join are the schools of Saint-Martin and Saint-Barthélemy (collectivités d'outre-mer).
    assert {r["value"] for r in run.rejections} == {"97701", "97801"}
    assert {r["reason"] for r in run.rejections} == {
        "commune d'une collectivité d'outre-mer, hors du référentiel des académies (non couverte)"
    }
    assert run.vintage == "2021-2022"
    assert SchoolFigure.objects.filter(variable=Variable.IPS, rentree=2021).count() == 32080


def test_ips_values_and_schools_created_from_the_file():
    figure = SchoolFigure.objects.get(school_id="0352443R", variable=Variable.IPS, rentree=2021)
    assert figure.value == 115.7
    assert figure.status == ""
    school = figure.school
    assert school.name == "ECOLE PRIMAIRE PRIVEE STE ANNE"
    assert school.kind == Kind.ECOLE_PRIMAIRE
    assert school.sector == "prive"
    assert school.commune.code == "35085"
    assert school.commune.name == "Combourg"


def test_codes_of_merged_communes_join_todays_commune():
    # The 2021 file still uses codes that no longer exist in the COG 2026: they resolve through former codes.
    schools = School.objects.filter(figures__variable=Variable.IPS).exclude(commune_code="")
    moved = schools.exclude(commune__code=__import__("django").db.models.F("commune_code"))
    assert moved.filter(commune__level="commune").count() > 0
    for school in moved.filter(commune__level="commune")[:20]:
        assert school.commune.aliases.filter(code=school.commune_code).exists()


def test_directory_keeps_authority_over_ips_descriptions():
    # Val-de-Marne schools are described by the directory; the IPS file only added figures to them.
    school = School.objects.get(uai="0940176F")
    assert school.run.source == "annuaire"
    assert school.figures.get(variable=Variable.IPS, rentree=2021).value is not None


def test_ns_value_is_kept_as_non_significatif_and_bad_values_rejected(variant):
    def edit(lines):
        lines = list(lines)
        lines[1] = lines[1].rsplit(";", 1)[0] + ";NS"
        lines[2] = lines[2].rsplit(";", 1)[0] + ";abc"
        lines[3] = lines[3].rsplit(";", 1)[0] + ";350"
        lines[4] = lines[4].rsplit(";", 1)[0] + ";"
        return lines[:6]

    run = run_import(SOURCES["ips-ecoles"], variant(IPS, edit, suffix="ips-edited.csv")).run
    assert [(r["line"], r["column"], r["value"], r["reason"]) for r in run.rejections] == [
        (3, "IPS", "abc", "nombre attendu"),
        (4, "IPS", "350", "valeur hors de la plage plausible (30 à 200)"),
        (5, "IPS", "", "IPS manquant (valeur ou NS attendue)"),
    ]
    figure = SchoolFigure.objects.get(school_id="0352443R", variable=Variable.IPS, rentree=2021)
    assert (figure.value, figure.status) == (None, "NS")
    assert run.rows_updated == 1


def test_excel_resaved_copy_is_read(variant):
    """Windows-1252, commune code without its leading zero, comma decimals."""

    def edit(lines):
        header, *rows = lines
        picked = [r for r in rows if ";01" in r and r.split(";")[6].startswith("01")][:3]
        out = []
        for row in picked:
            cells = row.split(";")
            cells[6] = cells[6].lstrip("0")
            cells[9] = cells[9].replace(".", ",")
            out.append(";".join(cells))
        return [header, *out]

    path = variant(IPS, edit, suffix="ips-excel.csv", encoding="cp1252")
    run = run_import(SOURCES["ips-ecoles"], path).run
    assert (run.rows_read, run.rows_rejected, run.rows_unchanged) == (3, 0, 6)
