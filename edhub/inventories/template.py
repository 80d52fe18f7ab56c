"""The downloadable upload template, pre-filled with the schools an agent may declare for (XLSX or CSV)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from edhub.inventories.columns import COLUMNS
from edhub.inventories.models import Technology

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="000091")
INFO_FILL = PatternFill("solid", fgColor="EEEEEE")


def template_rows(schools, rentree):
    """One row per school: UAI, name, commune and rentrée filled in, the rest left for the agent."""
    for school in schools:
        commune = school.commune.name if school.commune_id else ""
        yield [school.uai, school.name, commune, rentree, *([""] * (len(COLUMNS) - 4))]


def template_csv(schools, rentree):
    """CSV for Excel in French: `;`, UTF-8 with BOM."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    writer.writerows(template_rows(schools, rentree))
    return buffer.getvalue().encode("utf-8")


def template_xlsx(schools, rentree, scope):
    """A workbook: the sheet to fill (headers, drop-down lists for yes/no and technology) and its notice."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Inventaire"
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for row in template_rows(schools, rentree):
        sheet.append(row)
    last = max(sheet.max_row, 2)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) + 2))
        if column.kind == "info":
            for row in range(2, last + 1):
                sheet[f"{letter}{row}"].fill = INFO_FILL
        choices = {"flag": "oui,non", "technology": ",".join(Technology.values)}.get(column.kind)
        if choices:
            validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{max(last, 1000)}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "D2"

    notice = book.create_sheet("Notice")
    notice.append(["Inventaire du numérique des écoles et établissements — modèle edhub"])
    notice["A1"].font = Font(bold=True, size=14)
    notice.append([f"Périmètre : {scope}. Une ligne par école ou établissement et par rentrée."])
    notice.append(["Une cellule vide signifie « inconnu », jamais zéro. Les colonnes grisées ne sont pas lues."])
    notice.append([])
    notice.append(["Colonne", "Contenu", "Exemple"])
    for cell in notice[5]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notice.append([column.header, column.help, column.example])
    notice.column_dimensions["A"].width = 45
    notice.column_dimensions["B"].width = 100
    notice.column_dimensions["C"].width = 30

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
