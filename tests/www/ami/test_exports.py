"""Exports never carry a live formula: text a commune typed comes out as text in CSV and XLSX, numbers as numbers."""

import csv
import datetime
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from edhub.accounts.models import Role
from edhub.ami.models import Application
from edhub.opendata.report import write_report
from edhub.territories.models import Level, Territory
from edhub.utils.exports import csv_response, xlsx_response
from tests.accounts.factories import agent
from tests.ami.factories import campaign_on

HYPERLINK = '=HYPERLINK("http://x")'


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


@pytest.mark.django_db
def test_a_communes_formula_comes_out_as_text_in_the_instructors_exports(client):
    today = timezone.localdate()
    campaign = campaign_on(
        Level.ACADEMIE,
        "14",
        title="AMI connectivité — académie de Rennes",
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=30),
    )
    campaign.open()
    Application.objects.create(
        campaign=campaign,
        commune=Territory.objects.get(level=Level.COMMUNE, code="35164"),
        author=agent(Role.COMMUNE, Level.COMMUNE, "35164"),
        project=HYPERLINK,
        contact_name="@SUM(A1:A9)",
        contact_email="+33 2 99 00 00 00",
        estimated_cost=42000,
    )
    client.force_login(agent(Role.NATIONAL))

    rows = csv_rows(client.get(reverse("ami:applications-export", args=[campaign.pk, "csv"])))
    assert rows[1][6:12] == ["42000", "", "'@SUM(A1:A9)", "'+33 2 99 00 00 00", "non", '\'=HYPERLINK("http://x")']

    sheet = xlsx_sheet(client.get(reverse("ami:applications-export", args=[campaign.pk, "xlsx"])))
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells[6:12]] == [
        42000,
        None,
        "'@SUM(A1:A9)",
        "'+33 2 99 00 00 00",
        "non",
        '\'=HYPERLINK("http://x")',
    ]
    assert [cell.data_type for cell in cells[6:12]] == ["n", "n", "s", "s", "s", "s"]


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers():
    header = ["texte", "nombre"]
    rows = [
        ["=1+1", -3.2],
        ["+1", 0],
        ["-1", -7],
        ["@A1", 1.5],
        ["\tcmd", None],
        ["\rcmd", None],
        ["Créteil - centre", None],
        ["", None],
    ]
    texts = ["'=1+1", "'+1", "'-1", "'@A1", "'\tcmd", "'\rcmd", "Créteil - centre", ""]

    assert csv_rows(csv_response("t.csv", header, rows)) == [
        header,
        *([text, number] for text, number in zip(texts, ["-3,2", "0", "-7", "1,5", "", "", "", ""], strict=True)),
    ]
    sheet = xlsx_sheet(xlsx_response("t.xlsx", [("Feuille", header, rows)]))
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    texts[5] = "'\ncmd"  # XML reads a carriage return back as a line feed
    texts[7] = None  # an empty text is an empty cell
    assert values == [
        (text, number) for text, number in zip(texts, [-3.2, 0, -7, 1.5, None, None, None, None], strict=True)
    ]
    assert [row[1].data_type for row in sheet.iter_rows(min_row=2, max_row=4)] == ["n", "n", "n"]


def test_an_import_report_never_carries_a_formula_of_the_imported_file(tmp_path):
    rejection = {"line": 2, "column": "Nom", "value": '=HYPERLINK("http://x")', "reason": "nom invalide"}
    run = SimpleNamespace(rejections=[rejection], warnings=[])
    write_report(run, tmp_path / "rapport.csv")
    rows = list(csv.reader((tmp_path / "rapport.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[1] == ["rejet", "2", "Nom", '\'=HYPERLINK("http://x")', "nom invalide"]
