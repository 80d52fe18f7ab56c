"""A visitor's path through the site in Chromium, with an accessibility check of every page kind."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_violations

pytestmark = pytest.mark.django_db


def test_search_a_commune_then_open_its_departement_and_a_school(page):
    page.goto("/")
    expect(page).to_have_title("Accueil — edhub")
    page.get_by_role("searchbox").first.fill("creteil")
    page.get_by_role("searchbox").first.press("Enter")
    page.locator('#search-results a[href="/territoires/commune/94028/"]').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Créteil")
    assert page.url.endswith("/territoires/commune/94028/")

    page.get_by_role("navigation", name="vous êtes ici").get_by_role("link", name="Val-de-Marne").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Val-de-Marne")
    expect(page.get_by_text("1 426 929").first).to_be_visible()

    page.goto("/ecoles/0940176F/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ecole élémentaire Robert Doisneau")
    expect(page.get_by_text("Commune", exact=True).first).to_be_visible()
    page.get_by_role("link", name="Fresnes").first.click()
    assert page.url.endswith("/territoires/commune/94034/")


def test_school_export_of_a_commune_downloads_its_schools_as_csv(page):
    page.goto("/territoires/commune/94034/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger la liste en CSV").click()
    download = download_info.value
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert {row["code_commune"] for row in rows} == {"94034"}
    assert "0940176F" in {row["uai"] for row in rows}
    assert download.suggested_filename == "ecoles-commune-94034.csv"


def test_api_documentation_renders_without_a_cdn(page):
    page.goto("/api/v1/docs")
    expect(page.get_by_text("/api/v1/territories/{level}/{code}").first).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/recherche/?q=fresnes",
        "/territoires/france/FR/",
        "/territoires/departement/94/",
        "/territoires/commune/94034/",
        "/ecoles/0940176F/",
        "/page-inconnue/",
    ],
)
def test_no_serious_accessibility_violation(page, path):
    page.goto(path)
    assert serious_violations(page) == []
