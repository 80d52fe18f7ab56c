"""Table exports shared by the site and the API: CSV for Excel in French and XLSX.

Every cell of text that a spreadsheet would read as a formula (OWASP "CSV injection": text beginning with `=`,
`+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, and XLSX text cells are written as
strings, never as formulas: a commune's `=HYPERLINK(…)` comes out as the text it typed. Numbers stay numbers.
"""

import csv
import datetime
import io

from django.http import HttpResponse

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column width (in characters) of the XLSX sheets: enough for a commune's name, at most this.
MAX_WIDTH = 60


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """Text a spreadsheet would take for a formula, prefixed with `'`; anything else (numbers included) as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def french_decimal(value):
    """A number as Excel in French reads it in a CSV: decimal comma; None (« N.C. ») → empty cell."""
    return "" if value is None else str(value).replace(".", ",")


def csv_cell(value):
    """A cell of a CSV for Excel in French: decimal comma, dates as dd/mm/yyyy, None as an empty cell."""
    if value is None or isinstance(value, (int, float)):
        return french_decimal(value)
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return neutralised(value)


def xlsx_cell(sheet, value):
    """A cell of an XLSX sheet: numbers, dates and None as they are; text neutralised and typed as a string."""
    if isinstance(value, str):
        from openpyxl.cell import WriteOnlyCell  # openpyxl loads in ~0.4 s: only where a workbook is written

        cell = WriteOnlyCell(sheet, value=neutralised(value))
        cell.data_type = "s"  # a string, even when it begins with "=": never a formula
        return cell
    return value


def attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename, header, rows):
    """CSV for Excel in French: `;`, UTF-8 with BOM, CRLF; numbers with a decimal comma, dates as dd/mm/yyyy, None as
    an empty cell."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(label) for label in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return attachment(HttpResponse(buffer.getvalue(), content_type=CSV_TYPE), filename)


def xlsx_response(filename, sheets):
    """An XLSX workbook of `sheets` [(title, header, rows)]: a bold header row, numbers kept as numbers, None as an
    empty cell, text neutralised and written as strings (see xlsx_cell)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        rows = list(rows)
        widths = [len(str(label)) for label in header]
        for row in rows:
            for index, cell in enumerate(row[: len(widths)]):
                widths[index] = max(widths[index], len(str(cell)) if cell is not None else 0)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for label in header:
            cell = xlsx_cell(sheet, str(label))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename)


def table_response(name, extension, title, header, rows):
    """One table as a download, `name.csv` (see csv_response) or `name.xlsx` (one sheet `title`)."""
    if extension == "csv":
        return csv_response(f"{name}.csv", header, rows)
    return xlsx_response(f"{name}.xlsx", [(title, header, rows)])
