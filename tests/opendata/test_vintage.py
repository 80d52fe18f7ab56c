"""Each source's vintage comes from its file (never the import date), and each run says what it covers."""

import json

import pytest
from django.core.management import call_command

from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES

pytestmark = pytest.mark.django_db


def test_each_source_says_the_vintage_its_file_gives_and_the_territories_it_describes():
    latest = ImportRun.objects.latest_per_source()
    assert {slug: (run.vintage, run.scope_label) for slug, run in latest.items() if slug in SOURCES} == {
        "annuaire": ("2026-05-27", "Val-de-Marne (94) : 613 écoles et établissements"),
        "geoloc": ("", "national (7\u202f542 écoles et établissements)"),
        "ips-ecoles": ("2021-2022", "national (32\u202f080 écoles et établissements)"),
        "effectifs-ecoles": ("2019-2020 à 2022-2023", "Ille-et-Vilaine (35) : 680 écoles et établissements"),
        "arcep-communes": ("2018 T1", "national (34\u202f868 communes)"),
        "arcep-debit": ("2019-09-30", "national (34\u202f868 communes)"),
    }


def test_status_json_gives_vintage_scope_warnings_and_rows_out_of_scope(capsys):
    call_command("status", "--json")
    sources = {s["source"]: s for s in json.loads(capsys.readouterr().out)["sources"]}
    assert {k: sources["geoloc"][k] for k in ("vintage", "scope", "rows_warned", "rows_out_of_scope")} == {
        "vintage": "",
        "scope": "national (7\u202f542 écoles et établissements)",
        "rows_warned": 0,
        "rows_out_of_scope": 0,
    }
    assert sources["insee-densite"]["scope"] is None


def test_status_text_says_unknown_vintage(capsys):
    call_command("status")
    out = capsys.readouterr().out
    assert "✓ Adresse et géolocalisation des établissements — millésime inconnu, importé le" in out
    assert "national (7\u202f542 écoles et établissements)" in out


def test_home_page_says_unknown_vintage_and_what_each_source_covers(client):
    html = client.get("/").content.decode()
    assert "<td>millésime inconnu</td>" in html
    assert "<td>Val-de-Marne (94) : 613 écoles et établissements</td>" in html
    assert "<td>2018 T1</td>" in html


def test_import_prints_what_it_describes_and_its_warnings(variant, capsys):
    def edit(lines):
        cells = lines[1].split(";")
        cells[50] = "abc"  # latitude
        return [lines[0], ";".join(cells), *lines[2:]]

    call_command("import", "annuaire", str(variant("fr-en-annuaire-education_094.csv", edit, suffix="a.csv")))
    out = capsys.readouterr().out
    assert "613 lignes lues, 0 rejetées, 1 avec avertissement ; enregistrements : 0 créés" in out
    assert "(millésime 2026-05-27)" in out
    assert "Territoires décrits : Val-de-Marne (94) : 613 écoles et établissements." in out
    assert "  ligne 2, colonne « latitude » ('abc') : nombre attendu ; champ laissé vide" in out


def test_school_page_says_the_vintage_of_its_description_is_unknown_when_its_file_does_not_say(client):
    html = client.get("/ecoles/0071245R/").content.decode()
    assert "Source de l’identité : Adresse et géolocalisation des établissements, millésime inconnu," in html
    assert "<td>millésime inconnu</td>" in html
