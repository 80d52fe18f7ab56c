"""Uploads over the limits of settings.INVENTORY_LIMITS are refused whole, before they are parsed, with the limit
named: a zip bomb from its zip directory, a huge field from its raw line. Files are generated here."""

import io
import json
import zipfile

import pytest

from edhub.accounts.models import Role
from edhub.inventories.models import Declaration, Upload
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.inventories.utils import CRETEIL_ECOLE, HEADERS, inventory_csv, row, upload_file, zip_bomb

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\xa0"
SPLIT = "Découpez-le (par commune ou par département) et déposez chaque morceau."


@pytest.fixture
def commune_agent():
    return agent(Role.COMMUNE, Level.COMMUNE, "94028")


@pytest.fixture
def limits(settings):
    settings.INVENTORY_LIMITS = dict(settings.INVENTORY_LIMITS)
    return settings.INVENTORY_LIMITS


def refused(upload):
    """The outcome of a refused upload: nothing read, nothing stored."""
    assert not Declaration.objects.exists()
    return upload.status, upload.rows_read, upload.problems, upload.problem_counts, upload.message


def test_a_zip_bomb_is_refused_from_its_directory(commune_agent):
    content = zip_bomb(200_000)
    entry = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")
    ratio = entry.file_size // entry.compress_size
    assert (len(content) < 110_000, entry.file_size, ratio > 100) == (True, 27_400_179, True)
    message = (
        f"Le fichier « bombe.xlsx » est refusé en entier : sa partie « xl/worksheets/sheet1.xml » est compressée "
        f"{ratio} fois, ce qu'aucun tableur ne produit (bombe de décompression ?) (au plus 100 fois, limite "
        "d'edhub). Enregistrez à nouveau le modèle depuis votre tableur."
    )
    upload = upload_file(commune_agent, content, name="bombe.xlsx")
    assert refused(upload) == (Upload.Status.REFUSED, 0, [], [], message)


def test_a_workbook_with_too_many_rows_or_too_large_once_decompressed_is_refused(commune_agent, limits):
    content = zip_bomb(1_000)
    limits["zip_ratio"], limits["rows"] = 100_000, 500
    upload = upload_file(commune_agent, content, name="grand.xlsx")
    message = (
        f"Le fichier « grand.xlsx » est refusé en entier : sa feuille compte 999 lignes de données (au plus 500, "
        f"limite d'edhub). {SPLIT}"
    )
    assert refused(upload) == (Upload.Status.REFUSED, 0, [], [], message)
    limits["unzipped_bytes"] = 100_000
    upload = upload_file(commune_agent, content, name="grand.xlsx")
    message = (
        f"Le fichier « grand.xlsx » est refusé en entier : une fois décompressé, il occuperait 134,0{NBSP}Kio "
        f"(au plus 97,7{NBSP}Kio, limite d'edhub). {SPLIT}"
    )
    assert refused(upload) == (Upload.Status.REFUSED, 0, [], [], message)


def test_a_140_kb_field_is_refused_with_its_line(commune_agent):
    content = inventory_csv([row(CRETEIL_ECOLE), row(CRETEIL_ECOLE, **{"Nom": "x" * 140_000})])
    length = len(content.split(b"\r\n")[2]) + 1  # the line with its CR
    count = f"{length:,}".replace(",", NNBSP)
    message = (
        f"Le fichier « inventaire.csv » est refusé en entier : sa ligne 3 compte {count} caractères (au plus "
        f"10{NNBSP}000 par ligne, limite d'edhub). Une valeur y est trop longue, ou un guillemet n'y est pas fermé : "
        "corrigez cette ligne."
    )
    assert refused(upload_file(commune_agent, content)) == (Upload.Status.REFUSED, 0, [], [], message)


def test_a_long_cell_is_refused_with_its_line_and_column(commune_agent):
    content = inventory_csv([row(CRETEIL_ECOLE, **{"Nom de l'ENT": "e" * 2_000})])
    message = (
        "Le fichier « inventaire.csv » est refusé en entier : la valeur de la ligne 2, colonne « Nom de l'ENT », "
        f"compte 2{NNBSP}000 caractères (au plus 1{NNBSP}000, limite d'edhub). Corrigez cette valeur."
    )
    assert refused(upload_file(commune_agent, content)) == (Upload.Status.REFUSED, 0, [], [], message)


def test_too_many_rows_or_columns_are_refused(commune_agent, limits):
    limits["rows"] = 5
    content = inventory_csv([row(CRETEIL_ECOLE)] * 6)
    message = (
        f"Le fichier « inventaire.csv » est refusé en entier : il compte 6 lignes de données (au plus 5, limite "
        f"d'edhub). {SPLIT}"
    )
    assert refused(upload_file(commune_agent, content)) == (Upload.Status.REFUSED, 0, [], [], message)
    extra = [f"Colonne {number}" for number in range(1, 81)]
    content = inventory_csv([row(CRETEIL_ECOLE)], headers=HEADERS + extra)
    message = (
        f"Le fichier « inventaire.csv » est refusé en entier : son en-tête compte {len(HEADERS) + 80} colonnes (au "
        "plus 100, limite d'edhub). Déposez le modèle, sans colonnes ajoutées."
    )
    assert refused(upload_file(commune_agent, content)) == (Upload.Status.REFUSED, 0, [], [], message)


def test_deeply_nested_json_named_csv_is_refused_unread(commune_agent):
    content = b"[" * 500_000 + b"]" * 500_000
    message = (
        "Le fichier « inventaire.csv » est refusé en entier : son contenu est du JSON, pas un tableau CSV. Déposez "
        "le modèle rempli, enregistré au format XLSX ou CSV depuis votre tableur."
    )
    assert refused(upload_file(commune_agent, content)) == (Upload.Status.REFUSED, 0, [], [], message)


def test_problems_are_stored_capped_per_kind_and_counted(commune_agent):
    # 2,000 rows of one school with a bad value: one declared, 1,999 duplicates; 3,999 problems in all.
    content = inventory_csv([row(CRETEIL_ECOLE, **{"Classes": "-3"})] * 2_000)
    upload = upload_file(commune_agent, content)
    assert (upload.status, upload.rows_read, upload.rows_rejected) == (Upload.Status.REFUSED, 2_000, 1_999)
    assert upload.problem_counts == [
        {"column": "Classes", "effect": "valeur ignorée", "blocking": False, "count": 2_000},
        {"column": "UAI", "effect": "ligne rejetée", "blocking": True, "count": 1_999},
    ]
    assert (len(upload.problems), upload.blocking_count, upload.warning_count, upload.problems_not_kept) == (
        200,
        1_999,
        2_000,
        3_799,
    )
    assert [(p["line"], p["column"]) for p in upload.problems[:3]] == [(2, "Classes"), (3, "UAI"), (3, "Classes")]
    assert len(json.dumps(upload.problems)) < len(content) / 5  # 200 problems kept: 34 KB for a 179 KB file
