"""Inventory files as agents write them, and uploads made through the same code path as the web page."""

import hashlib
import io
import zipfile

import openpyxl
from django.core.files.base import ContentFile

from edhub.accounts.scope import membership_of, scope_label, writable_schools
from edhub.inventories.columns import COLUMNS
from edhub.inventories.models import Upload
from edhub.inventories.template import template_xlsx
from edhub.inventories.validation import current_rentree, validate

HEADERS = [column.header for column in COLUMNS]
# Real schools of the test database (annuaire 094, geolocation of collèges, IPS of écoles).
CRETEIL_ECOLE = "0940197D"  # École élémentaire Charles Beuvin A, Créteil, public
CRETEIL_ECOLE_2 = "0941387X"  # École primaire José De Heredia, Créteil, public
CRETEIL_ECOLE_PRIVEE = "0940970U"  # École primaire privée de Maille, Créteil
FRESNES_ECOLE = "0940176F"  # École élémentaire Robert Doisneau, Fresnes (94), public
CRETEIL_COLLEGE = "0941351H"  # Collège Louis Issaurat, Créteil, public
CRETEIL_COLLEGE_PRIVE = "0940884A"  # Collège privé de Maille, Créteil
PANTIN_COLLEGE = "0931713G"  # Collège Lavoisier, Pantin (93, académie de Créteil), public
PARIS_COLLEGE = "0750360J"  # Collège Claude Chappe, Paris (académie de Paris), public

FULL_ROW = {
    "Rentrée": "2025",
    "Élèves": "200",
    "Classes": "8",
    "Ordinateurs fixes élèves": "10",
    "Portables et tablettes élèves": "30",
    "Vidéoprojecteurs": "6",
    "Écrans ou tableaux interactifs": "2",
    "Classes avec vidéoprojecteur ou écran interactif": "8",
    "Classes avec ordinateur enseignant": "8",
    "Classes connectées": "8",
    "Classes avec caméra": "8",
    "Classes avec microphone": "8",
    "Classes avec haut-parleurs": "8",
    "Classes couvertes par le Wi-Fi": "6",
    "Classe mobile partagée": "oui",
    "Ordinateur de la direction": "oui",
    "Connexion de la direction": "oui",
    "Imprimante-scanner en réseau": "oui",
    "Technologie de connexion": "fibre",
    "Débit descendant mesuré (Mbit/s)": "95,5",
    "Débit montant mesuré (Mbit/s)": "40",
    "ENT utilisé": "oui",
    "Nom de l'ENT": "ENT 94",
}


def inventory_csv(rows, separator=";", headers=HEADERS):
    """CSV bytes (UTF-8 with BOM, CRLF, as Excel writes it): `rows` are {header: value} dicts."""
    lines = [separator.join(headers)]
    for row in rows:
        lines.append(separator.join(str(row.get(header, "")) for header in headers))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def row(uai, **changes):
    """A complete row for `uai`, with some headers changed."""
    return {"UAI": uai, **FULL_ROW, **changes}


def upload_file(user, content, name="inventaire.csv"):
    """An upload by `user`, analysed at once (as the page does for small files)."""
    membership = membership_of(user)
    upload = Upload.objects.create(
        territory=membership.territory,
        author=user,
        role=membership.role,
        file=ContentFile(content, name=name),
        file_name=name,
        checksum=hashlib.sha256(content).hexdigest(),
    )
    return validate(upload)


def filled_template(user, filled):
    """The XLSX template of `user`'s scope, as the page serves it, with the rows of some schools filled:
    `filled` is {uai: {header: value}}."""
    membership = membership_of(user)
    schools = writable_schools(membership).select_related("commune").order_by("commune__name", "name", "uai")
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(schools, current_rentree(), scope_label(membership))))
    sheet = book["Inventaire"]
    positions = {cell.value: cell.column for cell in sheet[1]}
    for cells in sheet.iter_rows(min_row=2):
        for header, value in filled.get(cells[0].value, {}).items():
            sheet.cell(cells[0].row, positions[header], value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(rows):
    """An XLSX whose sheet holds `rows` identical rows: a few kilobytes expanding a thousandfold."""
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in [CRETEIL_ECOLE, "2025", "200"])
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main"><dimension ref="A1:C{rows}"/><sheetData>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head.encode())
            sheet.write(f"<row>{cells}</row>".encode() * rows)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()
