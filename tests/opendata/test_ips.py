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


def test_ns_value_is_kept_as_non_significatif_and_bad_values_left_empty_with_a_warning(variant):
    def edit(lines):
        lines = list(lines)
        lines[1] = lines[1].rsplit(";", 1)[0] + ";NS"
        lines[2] = lines[2].rsplit(";", 1)[0] + ";abc"
        lines[3] = lines[3].rsplit(";", 1)[0] + ";350"
        lines[4] = lines[4].rsplit(";", 1)[0] + ";"
        return lines[:6]

    run = run_import(SOURCES["ips-ecoles"], variant(IPS, edit, suffix="ips-edited.csv")).run
    assert run.rejections == []
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings] == [
        (3, "IPS", "abc", "nombre attendu ; champ laissé vide"),
        (4, "IPS", "350", "valeur hors de la plage plausible (30 à 200) ; champ laissé vide"),
        (5, "IPS", "", "IPS manquant (valeur ou NS attendue) ; champ laissé vide"),
    ]
    assert (run.rows_read, run.rows_warned) == (5, 3)
    figure = SchoolFigure.objects.get(school_id="0352443R", variable=Variable.IPS, rentree=2021)
    assert (figure.value, figure.status) == (None, "NS")
    # The schools of the three rows are kept with the IPS they had.
    assert SchoolFigure.objects.get(school_id="0352445T", variable=Variable.IPS, rentree=2021).value == 107.4
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


def test_ap2022_header_with_national_and_academic_means(tmp_path, opendata):
    header = (
        "Rentrée scolaire;Code région;Région;Code de l'académie;Académie;Code du département;Département;"
        "Code INSEE de la commune;Nom de la commune;UAI;Nom de l'établissement;Secteur;IPS;IPS national privé;"
        "IPS national public;IPS national;IPS académique privé;IPS académique public;IPS académique;"
        "IPS départemental privé;IPS départemental public;IPS départemental;num_ligne"
    )
    rows = [
        "2023-2024;11;ILE-DE-FRANCE;24;CRETEIL;94;VAL-DE-MARNE;94034;FRESNES;0940176F;"
        "ECOLE ELEMENTAIRE PUBLIQUE ROBERT DOISNEAU;public;98.2;118.1;100.3;103.2;112.4;97.6;99.8;115.2;98.9;"
        "101.4;1",
        "2023-2024;53;BRETAGNE;14;RENNES;35;ILLE-ET-VILAINE;35085;COMBOURG;0352443R;"
        "ECOLE PRIMAIRE PRIVEE STE ANNE;privé sous contrat;NS;118.1;100.3;103.2;112.4;97.6;99.8;115.2;98.9;101.4;2",
    ]
    path = tmp_path / "fr-en-ips-ecoles-ap2022.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    run = run_import(SOURCES["ips-ecoles"], path).run
    assert (run.rows_read, run.rows_rejected, run.rows_created, run.vintage) == (2, 0, 2, "2023-2024")
    assert SchoolFigure.objects.get(school_id="0940176F", variable=Variable.IPS, rentree=2023).value == 98.2
    ns = SchoolFigure.objects.get(school_id="0352443R", variable=Variable.IPS, rentree=2023)
    assert (ns.value, ns.status) == (None, "NS")


def test_colleges_and_lycees_headers(tmp_path):
    colleges = tmp_path / "fr-en-ips_colleges.csv"
    colleges.write_text(
        "Rentrée scolaire;Académie;Code du département;Département;UAI;Nom de l'établissment;"
        "Code INSEE de la commune;Nom de la commune;Secteur;IPS;Ecart-type de l'IPS\n"
        "2021-2022;GRENOBLE;007;ARDECHE;0071245R;COLLEGE DE JASTRES;07019;AUBENAS;public;95.4;31.2\n",
        encoding="utf-8",
    )
    run = run_import(SOURCES["ips-colleges"], colleges).run
    assert (run.rows_read, run.rows_rejected) == (1, 0)
    figures = dict(SchoolFigure.objects.filter(school_id="0071245R", rentree=2021).values_list("variable", "value"))
    assert figures == {Variable.IPS: 95.4, Variable.IPS_STD: 31.2}
    # The collège was described by the geolocation file: the IPS file does not change its identity.
    assert School.objects.get(uai="0071245R").run.source == "geoloc"

    lycees = tmp_path / "fr-en-ips_lycees.csv"
    lycees.write_text(
        "rentree_scolaire;academie;code_du_departement;departement;uai;nom_de_l_etablissment;"
        "code_insee_de_la_commune;nom_de_la_commune;secteur;type_de_lycee;ips_voie_gt;ips_voie_pro;"
        "ips_ensemble_gt_pro\n"
        "2021-2022;CRETEIL;094;VAL-DE-MARNE;0940115P;LYCEE POLYVALENT GUILLAUME APOLLINAIRE;94073;THIAIS;public;"
        "LPO;104.6;86.1;98.7\n",
        encoding="utf-8",
    )
    run = run_import(SOURCES["ips-lycees"], lycees).run
    assert (run.rows_read, run.rows_rejected, run.rows_created) == (1, 0, 4)
    lycee = School.objects.get(uai="0940115P")
    assert (lycee.kind, lycee.funder, lycee.commune.name) == (Kind.LYCEE_POLYVALENT, "region", "Thiais")
    assert dict(lycee.figures.values_list("variable", "value")) == {
        Variable.IPS: 98.7,
        Variable.IPS_GT: 104.6,
        Variable.IPS_PRO: 86.1,
    }
