"""The upload validator on real schools: each problem is reported with its line and column, valid rows are kept."""

import io

import openpyxl
import pytest

from edhub.accounts.models import Role
from edhub.inventories.models import Declaration, Technology, Upload
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.inventories.utils import (
    CRETEIL_COLLEGE,
    CRETEIL_ECOLE,
    CRETEIL_ECOLE_2,
    FRESNES_ECOLE,
    HEADERS,
    inventory_csv,
    row,
    upload_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_agent():
    return agent(Role.COMMUNE, Level.COMMUNE, "94028")


def blocking(upload):
    return [(p["line"], p["column"], p["value"], p["reason"]) for p in upload.problems if p["blocking"]]


def test_a_valid_file_is_analysed_and_kept_unpublished(commune_agent):
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE), row(CRETEIL_ECOLE_2, **{"Élèves": ""})]))
    assert upload.status == Upload.Status.VALIDATED
    assert (upload.rows_read, upload.rows_valid, upload.rows_rejected) == (2, 2, 0)
    assert upload.problems == []
    first, second = upload.declarations.order_by("line")
    assert (first.school_id, first.rentree, first.line) == (CRETEIL_ECOLE, 2025, 2)
    assert (first.pupils, first.classes, first.fixed_computers, first.mobile_devices) == (200, 8, 10, 30)
    assert (first.technology, first.download_mbps, first.upload_mbps) == (Technology.FIBRE, 95.5, 40.0)
    assert (first.shared_mobile_pack, first.ent_in_use, first.ent_name) == (True, True, "ENT 94")
    assert second.pupils is None  # empty: unknown, never zero
    assert upload.version is None
    assert upload.run is None


def test_each_bad_row_is_rejected_with_its_line_and_column(commune_agent):
    rows = [
        row(CRETEIL_ECOLE),  # line 2: valid
        row("0940197"),  # 3: malformed UAI
        row("9999999Z"),  # 4: unknown UAI
        row(FRESNES_ECOLE),  # 5: another commune's school
        row(CRETEIL_COLLEGE),  # 6: a collège (the département's)
        row(CRETEIL_ECOLE_2, **{"Classes": "-3"}),  # 7: negative
        row(CRETEIL_ECOLE_2, **{"Classes avec caméra": "12"}),  # 8: more equipped classes than classes
        row(CRETEIL_ECOLE_2, **{"Technologie de connexion": "pigeon voyageur"}),  # 9
        row(CRETEIL_ECOLE_2, **{"ENT utilisé": "peut-être"}),  # 10
        row(CRETEIL_ECOLE_2, **{"Débit descendant mesuré (Mbit/s)": "99999"}),  # 11: out of range
        row(CRETEIL_ECOLE_2, **{"Rentrée": "1990"}),  # 12
        row(CRETEIL_ECOLE),  # 13: duplicate of line 2
        {"UAI": CRETEIL_ECOLE_2, "Rentrée": "2024"},  # 14: nothing declared
        row(CRETEIL_ECOLE_2, **{"Technologie de connexion": "aucune"}),  # 15: no connection but a speed
    ]
    upload = upload_file(commune_agent, inventory_csv(rows))
    assert upload.status == Upload.Status.VALIDATED
    assert (upload.rows_read, upload.rows_valid, upload.rows_rejected) == (14, 1, 13)
    scope = "hors de votre périmètre : vous pouvez déclarer les écoles publiques de Créteil"
    assert blocking(upload) == [
        (3, "UAI", "0940197", "UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)"),
        (4, "UAI", "9999999Z", "UAI inconnue du répertoire des écoles et établissements"),
        (5, "UAI", FRESNES_ECOLE, scope),
        (6, "UAI", CRETEIL_COLLEGE, scope),
        (7, "Classes", "-3", "nombre entier positif attendu"),
        (8, "Classes avec caméra", "12", "incohérent : 12 classes équipées pour 8 classes déclarées"),
        (
            9,
            "Technologie de connexion",
            "pigeon voyageur",
            "technologie inconnue (valeurs possibles : « fibre », « cuivre », « cable », « mobile », « radio », "
            "« satellite », « aucune »)",
        ),
        (10, "ENT utilisé", "peut-être", "« oui » ou « non » attendu"),
        (11, "Débit descendant mesuré (Mbit/s)", "99999", "valeur improbable (au plus 10000)"),
        (12, "Rentrée", "1990", "rentrée hors bornes (de 2000 à 2027)"),
        (13, "UAI", CRETEIL_ECOLE, "école et rentrée en double : déjà vu ligne 2, ligne ignorée"),
        (14, "", "", "aucune donnée déclarée pour cette école"),
        (15, "Technologie de connexion", "aucune", "incohérent : aucune connexion mais un débit mesuré"),
    ]
    assert list(upload.declarations.values_list("school_id", "line")) == [(CRETEIL_ECOLE, 2)]


def test_warnings_keep_the_row(commune_agent):
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE, **{"Élèves": "400"})]))
    assert upload.rows_valid == 1
    assert [(p["line"], p["column"], p["reason"], p["blocking"]) for p in upload.problems] == [
        (2, "Élèves", "plus de 35 élèves par classe en moyenne : à vérifier", False)
    ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "vide.csv", "est vide"),
        (b"\x00\x01\x02binaire" * 10, "image.csv", "n'est pas un fichier texte"),
        ("code;nom;population\r\n94028;Créteil;92000\r\n".encode(), "autre.csv", "n'a pas l'en-tête attendu"),
        (b"PK\x03\x04pas un vrai classeur", "faux.xlsx", "ni un CSV ni un classeur XLSX lisible"),
    ],
)
def test_a_file_that_is_not_an_inventory_is_refused_whole(commune_agent, content, name, message):
    upload = upload_file(commune_agent, content or b" ", name=name)
    assert upload.status == Upload.Status.REFUSED
    assert message in upload.message
    assert not Declaration.objects.filter(upload=upload).exists()


def test_missing_required_column_names_it(commune_agent):
    headers = [header for header in HEADERS if header != "Rentrée"]
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE)], headers=headers))
    assert upload.status == Upload.Status.REFUSED
    assert "Colonnes manquantes : « Rentrée »" in upload.message


def test_excel_files_comma_separated_and_windows_1252_are_read(commune_agent):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([row(CRETEIL_ECOLE).get(header, "") for header in HEADERS])
    sheet.append([{"UAI": CRETEIL_ECOLE_2, "Rentrée": 2025, "Élèves": 150, "Classes": 6}.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = upload_file(commune_agent, buffer.getvalue(), name="inventaire.xlsx")
    assert (upload.status, upload.rows_valid, upload.rows_rejected) == (Upload.Status.VALIDATED, 2, 0)
    assert upload.declarations.get(school_id=CRETEIL_ECOLE_2).pupils == 150

    cp1252 = inventory_csv([row(CRETEIL_ECOLE)], separator=",").decode("utf-8-sig").encode("cp1252")
    upload = upload_file(commune_agent, cp1252.replace(b"95,5", b'"95,5"'))
    assert (upload.status, upload.rows_valid) == (Upload.Status.VALIDATED, 1)
    assert upload.declarations.get().download_mbps == 95.5
