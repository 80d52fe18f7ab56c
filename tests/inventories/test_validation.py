"""The upload validator on real schools: each problem is reported with its line and column, valid rows are kept."""

import io
import zipfile

import openpyxl
import pytest

from edhub.accounts.models import Role
from edhub.inventories.models import Declaration, Technology, Upload
from edhub.inventories.validation import RowChecker, current_rentree
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.inventories.utils import (
    CRETEIL_COLLEGE,
    CRETEIL_ECOLE,
    CRETEIL_ECOLE_2,
    FRESNES_ECOLE,
    FULL_ROW,
    HEADERS,
    PANTIN_COLLEGE,
    filled_template,
    inventory_csv,
    row,
    upload_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_agent():
    return agent(Role.COMMUNE, Level.COMMUNE, "94028")


def problems(upload):
    return [(p["line"], p["column"], p["value"], p["reason"], p["effect"]) for p in upload.problems]


def test_a_valid_file_is_analysed_and_kept_unpublished(commune_agent):
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE), row(CRETEIL_ECOLE_2, **{"Élèves": ""})]))
    assert upload.status == Upload.Status.VALIDATED
    assert (upload.rows_read, upload.rows_valid, upload.rows_blank, upload.rows_rejected) == (2, 2, 0, 0)
    assert upload.problems == []
    first, second = upload.declarations.order_by("line")
    assert (first.school_id, first.rentree, first.line) == (CRETEIL_ECOLE, 2025, 2)
    assert (first.pupils, first.classes, first.fixed_computers, first.mobile_devices) == (200, 8, 10, 30)
    assert (first.technology, first.download_mbps, first.upload_mbps) == (Technology.FIBRE, 95.5, 40.0)
    assert (first.shared_mobile_pack, first.ent_in_use, first.ent_name) == (True, True, "ENT 94")
    assert second.pupils is None  # empty: unknown, never zero
    assert upload.version is None
    assert upload.run is None


def filled(**changes):
    """The declarative values of FULL_ROW (the template pre-fills the rentrée), with some changed."""
    return {header: value for header, value in {**FULL_ROW, **changes}.items() if header != "Rentrée"}


def test_untouched_rows_of_the_template_are_not_errors(commune_agent):
    content = filled_template(commune_agent, {CRETEIL_ECOLE: filled(), CRETEIL_ECOLE_2: filled(**{"Élèves": ""})})
    upload = upload_file(commune_agent, content, name="inventaire_94028.xlsx")
    # The template of Créteil has a row for each of its 43 public écoles: 2 filled, 41 left as downloaded.
    assert upload.status == Upload.Status.VALIDATED
    assert (upload.rows_read, upload.rows_valid, upload.rows_blank, upload.rows_rejected) == (43, 2, 41, 0)
    assert (upload.problems, upload.message) == ([], "")
    rentree = current_rentree()
    assert sorted(upload.declarations.values_list("school_id", "rentree", "pupils")) == [
        (CRETEIL_ECOLE, rentree, 200),
        (CRETEIL_ECOLE_2, rentree, None),
    ]


def test_a_template_left_untouched_declares_nothing_and_is_refused(commune_agent):
    upload = upload_file(commune_agent, filled_template(commune_agent, {}), name="inventaire_94028.xlsx")
    assert (upload.status, upload.rows_read, upload.rows_blank) == (Upload.Status.REFUSED, 43, 43)
    assert upload.message == (
        "Le fichier ne déclare rien : ses 43 lignes sont non renseignées (seules les colonnes « UAI », « Nom », "
        "« Commune » et « Rentrée » sont remplies). Remplissez au moins une école."
    )


def test_every_bad_value_of_a_row_is_listed_and_the_school_kept(commune_agent):
    bad = {"Classes": "-3", "ENT utilisé": "peut-être", "Classes avec caméra": "douze"}
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE, **bad), row(CRETEIL_ECOLE_2)]))
    assert (upload.status, upload.rows_valid, upload.rows_rejected) == (Upload.Status.VALIDATED, 2, 0)
    assert problems(upload) == [
        (2, "Classes", "-3", "nombre entier positif attendu", "valeur ignorée"),
        (2, "Classes avec caméra", "douze", "nombre attendu", "valeur ignorée"),
        (2, "ENT utilisé", "peut-être", "« oui » ou « non » attendu", "valeur ignorée"),
    ]
    declaration = upload.declarations.get(school_id=CRETEIL_ECOLE)
    assert (declaration.classes, declaration.classes_camera, declaration.ent_in_use) == (None, None, None)
    assert (declaration.pupils, declaration.classes_wifi, declaration.ent_name) == (200, 6, "ENT 94")


def test_only_the_identity_of_a_row_rejects_it(commune_agent):
    rows = [
        row(CRETEIL_ECOLE),  # line 2: valid
        row("0940197"),  # 3: malformed UAI
        row("9999999Z"),  # 4: unknown UAI
        row(FRESNES_ECOLE),  # 5: another commune's school
        row(CRETEIL_COLLEGE),  # 6: a collège (the département's)
        row(CRETEIL_ECOLE_2, **{"Rentrée": "1990", "Classes": "-3"}),  # 7: bad rentrée, and a bad value
        row(CRETEIL_ECOLE),  # 8: duplicate of line 2
        row(CRETEIL_ECOLE_2, **{"Classes": "-3"}),  # 9: kept without its classes
        row(CRETEIL_ECOLE_2, **{"Rentrée": "2024", "Classes avec caméra": "12"}),  # 10: more than its 8 classes
        row(CRETEIL_ECOLE_2, **{"Rentrée": "2023", "Technologie de connexion": "pigeon voyageur"}),  # 11
        row(CRETEIL_ECOLE_2, **{"Rentrée": "2022", "Débit descendant mesuré (Mbit/s)": "99999"}),  # 12
        row(CRETEIL_ECOLE_2, **{"Rentrée": "2021", "Technologie de connexion": "aucune"}),  # 13: and a speed
        row(CRETEIL_ECOLE_2, **{"Rentrée": "2020", "Élèves": "400"}),  # 14: unusual but possible
        {"UAI": CRETEIL_ECOLE_2, "Rentrée": "2019", "Classes": "x"},  # 15: nothing readable
        {"UAI": CRETEIL_ECOLE_2, "Rentrée": "2018"},  # 16: left blank
        {"UAI": "9999999Z", "Rentrée": "2025"},  # 17: left blank too, whatever its UAI
    ]
    upload = upload_file(commune_agent, inventory_csv(rows))
    # 7 rejected of 14 filled rows: not more than half, the file is kept.
    assert upload.status == Upload.Status.VALIDATED
    assert (upload.rows_read, upload.rows_valid, upload.rows_blank, upload.rows_rejected) == (16, 7, 2, 7)
    scope = "hors de votre périmètre : vous pouvez déclarer les écoles publiques de Créteil"
    rejected, ignored, kept = "ligne rejetée", "valeur ignorée", "valeur conservée"
    assert problems(upload) == [
        (3, "UAI", "0940197", "UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)", rejected),
        (4, "UAI", "9999999Z", "UAI inconnue du répertoire des écoles et établissements", rejected),
        (5, "UAI", FRESNES_ECOLE, scope, rejected),
        (6, "UAI", CRETEIL_COLLEGE, scope, rejected),
        (7, "Rentrée", "1990", "rentrée hors bornes (de 2000 à 2027)", rejected),
        (7, "Classes", "-3", "nombre entier positif attendu", ignored),
        (8, "UAI", CRETEIL_ECOLE, "école et rentrée en double : déjà vu ligne 2, ligne ignorée", rejected),
        (9, "Classes", "-3", "nombre entier positif attendu", ignored),
        (10, "Classes avec caméra", "12", "incohérent : 12 classes équipées pour 8 classes déclarées", ignored),
        (
            11,
            "Technologie de connexion",
            "pigeon voyageur",
            "technologie inconnue (valeurs possibles : « fibre », « cuivre », « cable », « mobile », « radio », "
            "« satellite », « aucune »)",
            ignored,
        ),
        (12, "Débit descendant mesuré (Mbit/s)", "99999", "valeur improbable (au plus 10000)", ignored),
        (13, "Technologie de connexion", "aucune", "incohérent : aucune connexion mais un débit mesuré", ignored),
        (14, "Élèves", "400", "plus de 35 élèves par classe en moyenne : à vérifier", kept),
        (15, "", "", "aucune valeur lisible dans les colonnes déclarées", rejected),
        (15, "Classes", "x", "nombre attendu", ignored),
    ]
    assert [p["blocking"] for p in upload.problems] == [p[4] == rejected for p in problems(upload)]
    kept_rows = upload.declarations.order_by("line")
    assert [(d.line, d.rentree) for d in kept_rows] == [
        (2, 2025),
        (9, 2025),
        (10, 2024),
        (11, 2023),
        (12, 2022),
        (13, 2021),
        (14, 2020),
    ]
    line = {d.line: d for d in kept_rows}
    assert (line[9].classes, line[9].pupils, line[10].classes_camera, line[10].classes_wifi) == (None, 200, None, 6)
    assert (line[11].technology, line[12].download_mbps, line[12].upload_mbps) == ("", None, 40.0)
    assert (line[13].technology, line[13].download_mbps, line[14].pupils) == ("", 95.5, 400)


def test_a_file_mostly_rejected_is_refused_whole_with_its_likely_cause(commune_agent):
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE), row(FRESNES_ECOLE), row(PANTIN_COLLEGE)]))
    assert (upload.status, upload.rows_valid, upload.rows_rejected) == (Upload.Status.REFUSED, 1, 2)
    assert upload.message == (
        "2 des 3 lignes renseignées sont rejetées, plus de la moitié : le fichier est refusé en entier. Cause "
        "probable : ses écoles sont hors de votre périmètre (les écoles publiques de Créteil) : fichier d'un autre "
        "territoire ? Rien n'a été enregistré ; corrigez le fichier (anomalies ci-dessous) et déposez-le à nouveau."
    )
    assert [p["line"] for p in upload.problems] == [3, 4]
    assert not Declaration.objects.filter(upload=upload).exists()


def test_rows_that_do_not_have_the_header_s_width_are_refused_with_the_separator_as_cause(commune_agent):
    # A « ; » typed in a value, unquoted: every row has one cell more than the header.
    content = inventory_csv([row(uai, **{"Nom de l'ENT": "ENT; 94"}) for uai in (CRETEIL_ECOLE, CRETEIL_ECOLE_2)])
    upload = upload_file(commune_agent, content)
    assert (upload.status, upload.rows_rejected) == (Upload.Status.REFUSED, 2)
    assert "Cause probable : ses lignes n'ont pas le nombre de colonnes de l'en-tête" in upload.message
    assert problems(upload)[0] == (
        2,
        "",
        "",
        "nombre de colonnes différent de l'en-tête (séparateur ou guillemets dans une valeur ?)",
        "ligne rejetée",
    )


def test_shifted_columns_refuse_the_file(commune_agent):
    # Cells moved one column to the right from « Élèves » on, the header left in place (as in a spreadsheet).
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    start = HEADERS.index("Élèves")
    for rentree in (2022, 2023, 2024, 2025):
        cells = [row(CRETEIL_ECOLE, **{"Rentrée": rentree}).get(header, "") for header in HEADERS]
        sheet.append([*cells[:start], "", *cells[start:-1]])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = upload_file(commune_agent, buffer.getvalue(), name="inventaire.xlsx")
    assert (upload.status, upload.rows_valid, upload.rows_rejected) == (Upload.Status.REFUSED, 4, 0)
    assert upload.message == (
        "Les colonnes « Classe mobile partagée », « Technologie de connexion », « Débit descendant mesuré "
        "(Mbit/s) », « ENT utilisé » contiennent surtout des valeurs illisibles : le fichier est refusé en entier. "
        "Cause probable : colonnes décalées (une colonne insérée ou supprimée dans les données, pas dans l'en-tête, "
        "ou des cellules déplacées). Rien n'a été enregistré ; comparez le fichier au modèle et déposez-le à nouveau."
    )
    assert not Declaration.objects.filter(upload=upload).exists()


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    for cells in rows:
        book.active.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RENAMED = [
    (
        PNG,
        "x.xlsx",
        "Le fichier « x.xlsx » n'est pas un classeur XLSX : son contenu est une image PNG. Déposez le modèle "
        "rempli, enregistré au format XLSX ou CSV depuis votre tableur.",
    ),
    (
        PDF,
        "inventaire.csv",
        "Le fichier « inventaire.csv » n'est pas un fichier CSV : son contenu est un document PDF. Déposez le "
        "modèle rempli, enregistré au format XLSX ou CSV depuis votre tableur.",
    ),
    (
        xlsx_bytes([HEADERS]),
        "inventaire.csv",
        "Le fichier « inventaire.csv » n'est pas un fichier CSV : son contenu est un classeur XLSX. Redonnez-lui "
        "l'extension « .xlsx », ou enregistrez-le au format CSV depuis votre tableur.",
    ),
    (
        inventory_csv([row(CRETEIL_ECOLE)]),
        "inventaire.xlsx",
        "Le fichier « inventaire.xlsx » n'est pas un classeur XLSX : son contenu est du texte (un CSV ?). "
        "Redonnez-lui l'extension « .csv », ou enregistrez-le au format XLSX depuis votre tableur.",
    ),
    (
        b"\x00\x01\x02binaire" * 10,
        "image.csv",
        "Le fichier « image.csv » n'est pas un fichier CSV : son contenu est binaire (ni du texte ni un classeur). "
        "Déposez le modèle rempli, enregistré au format XLSX ou CSV depuis votre tableur.",
    ),
    (
        b"PK\x03\x04pas un vrai classeur",
        "faux.xlsx",
        "Le fichier « faux.xlsx » n'est pas un classeur XLSX : son contenu est une archive ZIP endommagée (un "
        "classeur incomplet ?). Enregistrez-le à nouveau depuis votre tableur.",
    ),
]


@pytest.mark.parametrize(("content", "name", "message"), RENAMED)
def test_a_file_that_is_not_what_its_extension_says_is_refused_with_what_it_is(commune_agent, content, name, message):
    upload = upload_file(commune_agent, content, name=name)
    assert (upload.status, upload.message, upload.progress) == (Upload.Status.REFUSED, message, 100)
    assert not Declaration.objects.filter(upload=upload).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b" ", "vide.csv", "Le fichier « vide.csv » est vide."),
        (
            "code;nom;population\r\n94028;Créteil;92000\r\n".encode(),
            "autre.csv",
            "Le fichier « autre.csv » n'a pas l'en-tête attendu",
        ),
        (inventory_csv([]), "entete.csv", "Le fichier ne contient aucune ligne de données."),
        (
            inventory_csv([{"UAI": CRETEIL_ECOLE, "Rentrée": "2025"}]),
            "une-ligne.csv",
            "Le fichier ne déclare rien : sa seule ligne est non renseignée (seules les colonnes « UAI », « Nom », "
            "« Commune » et « Rentrée » sont remplies). Remplissez au moins une école.",
        ),
    ],
)
def test_a_file_that_is_not_an_inventory_is_refused_whole(commune_agent, content, name, message):
    upload = upload_file(commune_agent, content, name=name)
    assert upload.status == Upload.Status.REFUSED
    assert upload.message.startswith(message)
    assert not Declaration.objects.filter(upload=upload).exists()


def test_a_workbook_damaged_after_its_header_is_refused_not_left_in_analysis(commune_agent):
    content = xlsx_bytes([HEADERS] + [[row(CRETEIL_ECOLE).get(h, "") for h in HEADERS]] * 3000)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet][: len(parts[sheet]) // 2]  # cut in the middle of its rows
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    upload = upload_file(commune_agent, buffer.getvalue(), name="inventaire.xlsx")
    assert (upload.status, upload.progress) == (Upload.Status.REFUSED, 100)
    assert upload.message.startswith(
        "Le classeur « inventaire.xlsx » est refusé en entier : sa feuille « Sheet » est tronquée ou abîmée après la "
        "ligne "
    )
    assert not Declaration.objects.filter(upload=upload).exists()


def test_an_internal_error_fails_the_upload_with_its_reason_instead_of_leaving_it_in_analysis(
    commune_agent, monkeypatch, caplog
):
    def broken(self, line, row):
        raise RuntimeError("bug")

    monkeypatch.setattr(RowChecker, "check", broken)
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE)]))
    assert (upload.status, upload.progress, upload.heartbeat_at) == (Upload.Status.FAILED, 100, None)
    assert upload.message == (
        "L'analyse du fichier a échoué sur une erreur interne d'edhub (RuntimeError), signalée à ses "
        "administrateurs. Relancez l'analyse plus tard ; si l'erreur persiste, joignez le fichier à votre demande "
        "d'assistance."
    )
    assert not Declaration.objects.filter(upload=upload).exists()
    assert [record.getMessage() for record in caplog.records] == [f"Analysis of inventory upload {upload.pk} failed"]


def test_missing_required_column_names_it(commune_agent):
    headers = [header for header in HEADERS if header != "Rentrée"]
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE)], headers=headers))
    assert upload.status == Upload.Status.REFUSED
    assert "Colonnes manquantes : « Rentrée »" in upload.message


def test_excel_files_are_read(commune_agent):
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
