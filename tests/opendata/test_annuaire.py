import json

import pytest

from edhub.opendata.importing import run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.reader import RefusedFile
from edhub.opendata.sources import SOURCES
from edhub.schools.models import Funder, Kind, School, State
from edhub.territories.models import Territory

pytestmark = pytest.mark.django_db
ANNUAIRE = "fr-en-annuaire-education_094.csv"


def annuaire_schools():
    return School.objects.filter(run__source="annuaire")


def test_val_de_marne_directory_gives_613_ecoles_in_its_47_communes_all_located():
    schools = annuaire_schools()
    assert schools.count() == 613
    assert schools.exclude(commune__departement__code="94").count() == 0
    assert schools.values("commune").distinct().count() == 47
    assert Territory.objects.filter(level="commune", departement__code="94").count() == 47
    assert schools.filter(latitude__isnull=True).count() == 0
    assert {s.funder for s in schools} == {Funder.COMMUNE}


def test_directory_values_are_read_faithfully():
    kinds = dict(annuaire_schools().values_list("kind").annotate(n=__import__("django").db.models.Count("uai")))
    assert kinds == {Kind.ECOLE_MATERNELLE: 306, Kind.ECOLE_ELEMENTAIRE: 270, Kind.ECOLE_PRIMAIRE: 37}
    assert annuaire_schools().filter(priority_education="REP").count() == 185
    assert annuaire_schools().filter(priority_education="REP+").count() == 22
    assert annuaire_schools().filter(state=State.TO_CLOSE).count() == 2
    school = School.objects.get(uai="0940176F")
    assert school.name == "Ecole élémentaire Robert Doisneau"
    assert school.commune.code == "94034"
    assert school.commune.name == "Fresnes"
    assert school.kind == Kind.ECOLE_ELEMENTAIRE
    assert school.sector == "public"
    assert (school.latitude, school.longitude) == (48.75113972238502, 2.3235583553613646)
    assert school.run.vintage == "2026-05-27"


def test_same_file_twice_is_skipped_by_checksum(opendata):
    outcome = run_import(SOURCES["annuaire"], opendata / ANNUAIRE)
    assert outcome.skipped
    assert outcome.skipped_by.rows_created == 613


def test_forced_reimport_changes_nothing(opendata):
    outcome = run_import(SOURCES["annuaire"], opendata / ANNUAIRE, force=True)
    assert (outcome.run.rows_created, outcome.run.rows_updated, outcome.run.rows_unchanged) == (0, 0, 613)


def to_2023_header(lines):
    """The 2023 schema of the same dataset: 69 columns, `Code postal`, `Nombre_d_eleves`, other names."""
    header = lines[0].split(";")
    renames = {
        "Code_postal": "Code postal",
        "coordX_origine": "coordonnee_X",
        "coordY_origine": "coordonnee_Y",
        "epsg_origine": "epsg",
        "multi_uai": "etablissement_multi_lignes",
    }
    dropped = {
        header.index(c)
        for c in ("code_circonscription", "code_zone_animation_pedagogique", "libelle_zone_animation_pedagogique")
    }
    siren = header.index("SIREN_SIRET")
    result = []
    for number, line in enumerate(lines):
        cells = line.split(";")
        if len(cells) != len(header):
            result.append(line)
            continue
        if number == 0:
            cells = [renames.get(c, c) for c in cells]
        kept = [c for i, c in enumerate(cells) if i not in dropped]
        kept.insert(siren + 1, "Nombre_d_eleves" if number == 0 else "120")
        result.append(";".join(kept))
    return result


def test_2023_header_imports_the_same_schools(variant):
    path = variant(ANNUAIRE, to_2023_header, suffix="annuaire-2023.csv")
    assert len(path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")) == 69
    run = run_import(SOURCES["annuaire"], path).run
    assert (run.rows_read, run.rows_rejected, run.rows_unchanged) == (613, 0, 613)


def test_json_export_imports_the_same_schools(tmp_path, opendata):
    import csv

    with open(opendata / ANNUAIRE, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))[:50]
    records = []
    for row in rows:
        record = {key.lower(): value or None for key, value in row.items()}
        record["position"] = {"lon": float(row["longitude"]), "lat": float(row["latitude"])}
        records.append(record)
    path = tmp_path / "annuaire.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    run = run_import(SOURCES["annuaire"], path).run
    assert (run.rows_read, run.rows_rejected, run.rows_unchanged) == (50, 0, 50)


def test_bad_rows_are_rejected_with_line_column_and_reason_and_good_rows_kept(variant):
    def damage(lines):
        lines = list(lines)
        lines[2] = lines[2].replace(lines[2].split(";")[0], "BAD0001", 1)  # line 3
        cells = lines[4].split(";")
        cells[8] = "99999"  # line 5: Code_commune
        lines[4] = ";".join(cells)
        cells = lines[6].split(";")
        cells[50] = "abc"  # line 7: latitude
        lines[6] = ";".join(cells)
        lines[8] = lines[1]  # line 9: duplicate of line 2
        lines[10] = lines[10].rsplit(";", 5)[0]  # line 11: truncated
        return lines

    path = variant(ANNUAIRE, damage, suffix="annuaire-damaged.csv")
    before = School.objects.count()
    run = run_import(SOURCES["annuaire"], path).run
    rejected = [(r["line"], r["column"], r["reason"]) for r in run.rejections]
    assert rejected == [
        (3, "Identifiant_de_l_etablissement", "UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)"),
        (5, "Code_commune", "code commune inconnu du Code officiel géographique (ni actuel, ni ancien)"),
        (9, "Identifiant_de_l_etablissement", "UAI en double : déjà vu ligne 2, ligne ignorée"),
        (11, "", "nombre de colonnes incorrect (séparateur ou guillemets dans une valeur ?)"),
    ]
    # A bad latitude is not an identity field: the school is kept, its position read from « position ».
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings] == [
        (7, "latitude", "abc", "nombre attendu ; champ laissé vide"),
    ]
    assert (run.rows_read, run.rows_warned, run.rows_unchanged) == (613, 1, 609)
    assert School.objects.count() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "est vide"),
        (b"\x00\x01\x02binary" * 100, "contenu binaire"),
        (b"Identifiant_de_l_etablissement;Nom_etablissement\n0940176F;X\n", "Colonnes manquantes"),
        (
            "Rentrée scolaire;UAI;Code INSEE de la commune;IPS\n2021;0940176F;94034;100\n".encode(),
            "ressemble plutôt à",
        ),
        (b"Identifiant_de_l_etablissement|Nom_etablissement\n", "n'a pas l'en-tête attendu"),
    ],
)
def test_a_file_that_is_not_the_directory_is_refused_whole(tmp_path, content, message):
    path = tmp_path / "not-annuaire.csv"
    path.write_bytes(content)
    before = (School.objects.count(), ImportRun.objects.succeeded().count())
    with pytest.raises(RefusedFile) as refused:
        run_import(SOURCES["annuaire"], path)
    assert message in str(refused.value)
    assert "Annuaire de l'éducation" in str(refused.value)
    assert (School.objects.count(), ImportRun.objects.succeeded().count()) == before
    assert ImportRun.objects.latest("started_at").status == ImportRun.Status.REFUSED


def test_a_school_missing_from_a_directory_declared_complete_is_closed_not_deleted(variant):
    path = variant(ANNUAIRE, lambda lines: [lines[0], *lines[2:]], suffix="annuaire-without-first.csv")
    run = run_import(SOURCES["annuaire"], path, complete=True).run
    assert (run.rows_updated, run.schools_closed) == (0, 1)
    assert run.message == "1 école fermée : absente de ce fichier, déclaré complet pour le département 94."
    school = School.objects.get(uai="0940176F")
    assert school.state == State.CLOSED
