import csv
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_import_prints_rejections_and_writes_a_spreadsheet_report(variant, tmp_path, capsys):
    def edit(lines):
        return [lines[0], lines[1].replace(";035;", ";035;", 1).replace("35085", "9Z999"), lines[2]]

    path = variant("fr-en-ips_ecoles_2021-2022.csv", edit, suffix="ips-bad.csv")
    report = tmp_path / "rapport.csv"
    call_command("import", "ips-ecoles", str(path), "--report", str(report), verbosity=0)
    out = capsys.readouterr().out
    assert "2 lignes lues, 1 rejetées, 0 avec avertissement ;" in out
    assert "ligne 2, colonne « Code INSEE de la commune » ('9Z999')" in out
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows == [
        ["type", "ligne", "colonne", "valeur", "motif"],
        [
            "rejet",
            "2",
            "Code INSEE de la commune",
            "9Z999",
            "code commune INSEE invalide (attendu : 5 caractères, ex. 94028 ou 2A004)",
        ],
    ]


def test_import_refuses_unknown_source_and_wrong_file(opendata):
    with pytest.raises(CommandError, match="Source inconnue « ips »"):
        call_command("import", "ips", str(opendata / "fr-en-ips_ecoles_2021-2022.csv"))
    with pytest.raises(CommandError, match="ressemble plutôt à « Indice de position sociale des écoles »"):
        call_command("import", "annuaire", str(opendata / "fr-en-ips_ecoles_2021-2022.csv"), verbosity=0)


def test_status_json_says_what_is_loaded(capsys):
    call_command("status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert status["territories"]["commune"] == 34875
    assert status["territories"]["academie"] == 30
    sources = {s["source"]: s for s in status["sources"]}
    assert sources["annuaire"]["vintage"] == "2026-05-27"
    assert sources["annuaire"]["rows_read"] == 613
    assert sources["ips-ecoles"]["rows_rejected"] == 11
    assert sources["insee-densite"]["loaded"] is False
    assert sources["geographie"]["vintage"] == "COG 2026"
    assert len(sources["arcep-debit"]["checksum"]) == 64


def test_import_all_imports_the_rest_and_exits_with_an_error_naming_a_refused_file(opendata, tmp_path, capsys):
    lines = (opendata / "fr-en-annuaire-education_094.csv").read_text(encoding="utf-8-sig").splitlines()
    resaved = [lines[0], *(line.replace(";", ",") for line in lines[1:])]
    for slug in ("annuaire", "arcep-debit"):
        (tmp_path / slug).mkdir()
    (tmp_path / "annuaire" / "fr-en-annuaire-education.csv").write_text("\n".join(resaved), encoding="utf-8")
    debit = (opendata / "arcep-mci-commune-debit-2019.csv").read_bytes()
    (tmp_path / "arcep-debit" / "commune_debit_filaire.csv").write_bytes(debit)
    with pytest.raises(CommandError, match=r"^Fichiers refusés \(voir ci-dessus\) : annuaire\.$"):
        call_command("import", "--all", "--dir", str(tmp_path), verbosity=0)
    captured = capsys.readouterr()
    assert (
        "Annuaire de l'éducation — fichier refusé, rien n'a été importé : 613 lignes rejetées sur 613" in captured.err
    )
    assert "déjà importé" in captured.out  # the Arcep file, imported at set-up, was still looked at
