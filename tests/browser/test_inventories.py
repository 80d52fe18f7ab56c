"""An agent's path through the local data hub in Chromium: log in, download the template, fill two schools of it
(one with a bad value) and add one out of scope, upload it, read the counts, the anomalies and the preview; with an
accessibility check of each page kind.

The agent is committed, so that the server thread sees it on PostgreSQL too; it and its uploads are removed after
the test.
"""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from edhub.accounts.models import Role
from edhub.inventories.models import Upload
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.browser.conftest import serious_violations
from tests.inventories.utils import CRETEIL_ECOLE, CRETEIL_ECOLE_2, FRESNES_ECOLE, row

# No module-wide django_db mark: it would open the test's transaction before `browser_agent` (see below).


@pytest.fixture
def browser_agent(django_db_setup, django_db_blocker):
    """Requested before `page` (and its database transaction): set up before it, torn down after its rollback, so
    that what the server thread committed on PostgreSQL is removed too."""
    with django_db_blocker.unblock():
        user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="navigateur-creteil")
    yield user
    with django_db_blocker.unblock():
        Upload.objects.filter(author=user).delete()
        user.delete()


def test_log_in_download_the_template_upload_and_read_the_preview(browser_agent, page, tmp_path):
    page.goto("/inventaires/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion des agents")
    assert serious_violations(page) == []
    page.get_by_label("Identifiant").fill("navigateur-creteil")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inventaires locaux du numérique éducatif")
    expect(page.get_by_text("Vous pouvez déclarer : les écoles publiques de Créteil")).to_be_visible()
    assert serious_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Modèle XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    sheet = book["Inventaire"]
    assert sheet.max_row == 44  # a header and the 43 public écoles of Créteil

    # Two schools filled in the downloaded template (one with a bad value), a school of Fresnes added.
    column = {cell.value: cell.column for cell in sheet[1]}
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value in (CRETEIL_ECOLE, CRETEIL_ECOLE_2):
            classes = "8" if cells[0].value == CRETEIL_ECOLE else "x"
            for header, value in row(cells[0].value, **{"Classes": classes}).items():
                if header != "Rentrée":
                    sheet.cell(cells[0].row, column[header], value)
    sheet.append([row(FRESNES_ECOLE).get(cell.value, "") for cell in sheet[1]])
    upload = tmp_path / "inventaire-creteil.xlsx"
    book.save(upload)
    page.get_by_label("Fichier d'inventaire").set_input_files(upload)
    page.get_by_role("button", name="Déposer et analyser").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("inventaire-creteil.xlsx")
    expect(page.locator("#rows-valid")).to_have_text("2 écoles déclarées")
    expect(page.locator("#rows-blank")).to_have_text("41 écoles non renseignées")
    expect(page.locator("#rows-rejected")).to_have_text("1 ligne rejetée")
    expect(page.locator("#warnings")).to_have_text("1 avertissement")
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("nombre attendu")
    expect(problems.nth(0)).to_contain_text("avertissement valeur ignorée")
    expect(problems.nth(1)).to_contain_text("hors de votre périmètre")
    expect(problems.nth(1)).to_contain_text("bloquant ligne rejetée")
    expect(page.get_by_role("button", name="Publier 2 écoles déclarées comme nouvelle version")).to_be_visible()
    assert serious_violations(page) == []

    page.goto("/inventaires/modele/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modèle d’inventaire")
    assert serious_violations(page) == []
