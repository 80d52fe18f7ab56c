"""Inventory files damaged as real users damage them: each gives its exact outcome, and a refused file changes
nothing in the database."""

import pytest

from edhub.accounts.models import Role
from edhub.inventories.models import Declaration, Upload
from edhub.opendata.models import ImportRun
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.conftest import OPENDATA
from tests.inventories.utils import CRETEIL_ECOLE, CRETEIL_ECOLE_2, HEADERS, inventory_csv, row, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_agent():
    return agent(Role.COMMUNE, Level.COMMUNE, "94028")


def database_state():
    return (Declaration.objects.count(), ImportRun.objects.count(), ImportRun.objects.data_version())


@pytest.mark.parametrize(
    ("file_name", "message"),
    [
        (
            "fr-en-annuaire-education_094.csv",
            "Le fichier « fr-en-annuaire-education_094.csv » n'a pas l'en-tête attendu (séparateur « ; », « , » ou "
            "tabulation).",
        ),
        (
            "fr-en-ips_ecoles_2021-2022.csv",
            "Le fichier « fr-en-ips_ecoles_2021-2022.csv » n'a pas l'en-tête attendu (séparateur « ; », « , » ou "
            "tabulation). Colonnes manquantes : « Rentrée ».",
        ),
    ],
)
def test_another_dataset_s_file_is_refused_and_nothing_changes(commune_agent, file_name, message):
    before = database_state()
    upload = upload_file(commune_agent, (OPENDATA / file_name).read_bytes(), name=file_name)
    assert upload.status == Upload.Status.REFUSED
    assert upload.message == (
        f"{message} Format attendu pour « Inventaire du numérique des écoles et établissements (modèle edhub) » : "
        "un tableau avec au moins les colonnes « UAI », « Rentrée »."
    )
    assert database_state() == before


def test_a_comma_resave_in_windows_1252_is_read(commune_agent):
    # Excel (French Windows) « CSV (séparateur : virgule) »: Windows-1252, decimals quoted.
    content = inventory_csv([row(CRETEIL_ECOLE)], separator=",").decode("utf-8-sig").encode("cp1252")
    upload = upload_file(commune_agent, content.replace(b"95,5", b'"95,5"'))
    assert (upload.status, upload.rows_valid, upload.problems, upload.message) == (
        Upload.Status.VALIDATED,
        1,
        [],
        "",
    )
    declaration = upload.declarations.get()
    assert (declaration.download_mbps, declaration.ent_name) == (95.5, "ENT 94")


def test_a_dropped_column_and_a_renamed_one_are_said_and_the_schools_kept(commune_agent):
    renamed = {"Débit descendant mesuré (Mbit/s)": "Débit descendant (Mbit/s)"}
    headers = [renamed.get(header, header) for header in HEADERS if header != "Vidéoprojecteurs"]
    rows = [
        {renamed.get(header, header): value for header, value in row(uai).items()}
        for uai in (CRETEIL_ECOLE, CRETEIL_ECOLE_2)
    ]
    upload = upload_file(commune_agent, inventory_csv(rows, headers=headers))
    assert (upload.status, upload.rows_valid, upload.rows_rejected, upload.problems) == (
        Upload.Status.VALIDATED,
        2,
        0,
        [],
    )
    assert upload.message == (
        "Colonnes du modèle absentes du fichier (valeurs inconnues pour toutes les écoles) : « Vidéoprojecteurs », "
        "« Débit descendant mesuré (Mbit/s) ». Colonnes non reconnues, ignorées : « Débit descendant (Mbit/s) » "
        "(intitulés attendus : voir la documentation du modèle)."
    )
    declaration = upload.declarations.get(school_id=CRETEIL_ECOLE)
    assert (declaration.video_projectors, declaration.download_mbps, declaration.upload_mbps) == (None, None, 40.0)


def test_a_school_year_instead_of_a_rentree_and_excel_numbers_are_read(commune_agent):
    content = inventory_csv([row(CRETEIL_ECOLE, **{"Rentrée": "2025-2026", "Élèves": "1 200", "Classes": "40"})])
    upload = upload_file(commune_agent, content)
    assert (upload.status, upload.problems) == (Upload.Status.VALIDATED, [])
    assert upload.declarations.values_list("rentree", "pupils").get() == (2025, 1200)


def test_a_refused_file_changes_nothing(commune_agent):
    before = database_state()
    upload = upload_file(commune_agent, inventory_csv([row("0940197"), row("9999999Z"), row(CRETEIL_ECOLE)]))
    assert (upload.status, upload.rows_read, upload.rows_valid, upload.rows_rejected) == (
        Upload.Status.REFUSED,
        3,
        1,
        2,
    )
    assert "Cause probable : la colonne « UAI » ne contient pas des UAI" in upload.message
    assert database_state() == before
