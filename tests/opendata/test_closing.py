"""A directory closes only the schools of the départements it is declared to describe whole (issue 10)."""

import pytest
from django.core.management import CommandError, call_command

from edhub.opendata.importing import run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.reader import RefusedFile
from edhub.opendata.sources import SOURCES
from edhub.schools.models import School, State
from tests.opendata.test_bad_input import data_status, join, split

pytestmark = pytest.mark.django_db
ANNUAIRE = "fr-en-annuaire-education_094.csv"
FAKE = "0949999A"
NOT_DECLARED = (
    "Aucune école fermée : le fichier n'est pas déclaré complet (edhub import annuaire FICHIER --complete ferme les "
    "écoles absentes des départements qu'il décrit en entier)."
)


def open_in_94():
    return (
        School.objects.filter(run__source="annuaire", commune__departement__code="94")
        .exclude(state=State.CLOSED)
        .count()
    )


def with_fake_school(lines):
    """The whole directory and one more école, a copy of the first one under another UAI."""
    cells = split(lines[1])
    cells[0], cells[1] = FAKE, "Ecole fictive"
    return [*lines, join(cells)]


def test_the_first_100_lines_of_a_directory_close_no_school(variant):
    assert open_in_94() == 613
    run = run_import(SOURCES["annuaire"], variant(ANNUAIRE, lambda lines: lines[:100], suffix="debut.csv")).run
    assert (run.status, run.rows_read, run.schools_closed, run.message) == ("success", 99, 0, NOT_DECLARED)
    assert open_in_94() == 613


def test_the_first_100_lines_declared_complete_are_refused_as_truncated(variant):
    before = data_status()
    path = variant(ANNUAIRE, lambda lines: lines[:100], suffix="debut.csv")
    with pytest.raises(RefusedFile) as refusal:
        run_import(SOURCES["annuaire"], path, complete=True)
    assert str(refusal.value) == (
        "Le fichier « debut.csv » est déclaré complet pour le département 94 mais il y manque 514 des 613 écoles et "
        "établissements connus : il est tronqué ou partiel, rien n'est importé ni fermé. Importez le fichier entier, "
        "ou celui-ci sans --complete."
    )
    assert data_status() == before
    assert open_in_94() == 613


def test_the_whole_directory_declared_complete_closes_exactly_the_school_it_no_longer_lists(variant, capsys):
    run_import(SOURCES["annuaire"], variant(ANNUAIRE, with_fake_school, suffix="avec-fictive.csv"))
    assert open_in_94() == 614
    call_command("import", "annuaire", str(variant(ANNUAIRE, lambda lines: lines)), "--complete", verbosity=0)
    run = ImportRun.objects.latest("started_at")
    assert (run.status, run.rows_read, run.schools_closed) == ("success", 613, 1)
    assert (
        "1 école fermée : absente de ce fichier, déclaré complet pour le département 94.\n" in capsys.readouterr().out
    )
    assert School.objects.get(uai=FAKE).state == State.CLOSED
    assert open_in_94() == 613


def test_complete_may_name_the_departements_and_closes_none_elsewhere(variant):
    run_import(SOURCES["annuaire"], variant(ANNUAIRE, with_fake_school, suffix="avec-fictive.csv"))
    call_command("import", "annuaire", str(variant(ANNUAIRE, lambda lines: lines)), "--complete", "departement:94")
    assert School.objects.get(uai=FAKE).state == State.CLOSED
    before = data_status()
    with pytest.raises(CommandError) as refusal:
        call_command(
            "import", "annuaire", str(variant(ANNUAIRE, lambda lines: lines[:-1], suffix="b.csv")), "--complete", "35"
        )
    assert str(refusal.value) == (
        "Annuaire de l'éducation — fichier refusé, rien n'a été importé : Le fichier « b.csv » est déclaré complet "
        "pour le département 35 mais ne décrit aucune de ses écoles : rien n'est importé ni fermé. Vérifiez le code "
        "du département."
    )
    assert data_status() == before


def test_the_schools_of_rejected_rows_are_not_closed(variant):
    def two_bad_rows(lines):
        lines = list(lines)
        for i in (1, 2):  # 0940176F and the next école: an unknown commune rejects their rows
            cells = split(lines[i])
            cells[split(lines[0]).index("Code_commune")] = "94999"
            lines[i] = join(cells)
        return lines

    run = run_import(SOURCES["annuaire"], variant(ANNUAIRE, two_bad_rows, suffix="deux-rejets.csv"), complete=True).run
    assert (run.status, run.rows_rejected, run.schools_closed) == ("success", 2, 0)
    assert run.message == "Aucune école fermée : ce fichier, déclaré complet pour le département 94, les liste toutes."
    assert open_in_94() == 613


def test_complete_is_for_the_directory_only(opendata):
    with pytest.raises(
        CommandError, match="^--complete ne vaut que pour l'annuaire : seul l'annuaire ferme des écoles.$"
    ):
        call_command("import", "ips-ecoles", str(opendata / "fr-en-ips_ecoles_2021-2022.csv"), "--complete")
