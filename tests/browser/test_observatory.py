"""The observatory in Chromium: the sheet's chart drawn by Chart.js, the comparison it links to, the exports of the
map's table."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_violations

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]


def test_sheet_chart_comparison_and_map_exports(page):
    page.goto("/territoires/departement/94/?classement=ecoles")
    chart = page.locator("figure[data-chart='repartition-commune-data']")
    expect(chart.locator("canvas")).to_have_attribute(
        "aria-label",
        "Communes de Val-de-Marne : Écoles (écoles), 2026. Les valeurs figurent dans le tableau « Données du "
        "graphique ».",
    )
    # Chart.js drew its bars: the canvas has a size and is no longer blank.
    assert page.evaluate(
        """() => {
            const canvas = document.querySelector("figure[data-chart='repartition-commune-data'] canvas");
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            return canvas.width > 300 && pixels.some((value, index) => index % 4 === 3 && value > 0);
        }"""
    )
    chart.get_by_text("Données du graphique (tableau)").click()
    expect(chart.get_by_role("row").nth(1).get_by_role("rowheader")).to_have_text("Créteil")
    expect(chart.get_by_role("row").nth(1).get_by_role("cell")).to_have_text("45")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Comparer Val-de-Marne avec d’autres territoires").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comparer des territoires")
    # A territory is added by its name: suggestions appear while typing (htmx).
    page.get_by_label("Nom ou code officiel").fill("Créteil")
    suggestions = page.locator("#compare-suggestions")
    expect(suggestions).to_contain_text("1 territoire correspond à « Créteil » : choisissez celui à ajouter.")
    suggestions.get_by_role("link", name=re.compile("Créteil — Commune 94028")).click()
    assert page.url.endswith("/comparer/?t=departement%3A94&t=academie%3A24&t=commune%3A94028")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"^Écoles source 1")))
    # Whitespace, non-breaking spaces included, is normalised by Playwright; sources are footnotes, not a column.
    expect(row.get_by_role("cell")).to_have_count(4)
    expect(row.get_by_role("cell").first).to_contain_text("652 écoles")
    expect(row.get_by_role("cell").nth(2)).to_contain_text("45 écoles")
    assert serious_violations(page) == []

    # The map's data table links to the same exports for the indicator it shows.
    page.goto("/carte/?level=commune&parent=departement%3A94&indicator=ecoles")
    page.wait_for_selector("body[data-map-ready='1']")
    expect(page.locator("#map-exports").get_by_role("link", name="GeoJSON")).to_have_attribute(
        "href", "/api/v1/indicators/ecoles/values?level=commune&parent=departement%3A94&format=geojson"
    )
