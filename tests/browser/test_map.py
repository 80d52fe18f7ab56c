"""The national map in Chromium: drill-down through the accessible table, indicator switch, state in the URL."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_violations

pytestmark = pytest.mark.django_db

READY = "body[data-map-ready='1']"


def table_rows(page):
    return page.locator("#map-table tbody tr")


def builtin_indicators_only(page):
    """The map with its built-in indicators (population, density, area read from the contours): the indicator
    catalogue of the API is computed by `edhub compute`, which the test database does not run."""
    page.route("**/api/v1/indicators", lambda route: route.fulfill(status=404, json={"detail": "Ressource inconnue."}))


def drill(page, name):
    page.locator("#map-table").get_by_role("link", name=name, exact=True).click()
    page.wait_for_selector(READY)


def test_drill_down_to_a_commune_of_val_de_marne_switch_indicator_and_reload(page):
    builtin_indicators_only(page)
    page.goto("/carte/")
    page.wait_for_selector(READY)
    expect(page.locator("#map canvas")).to_be_visible()
    expect(page.locator("#map-table-caption")).to_have_text(
        "Régions académiques de France : Population municipale (hab.)"
    )
    expect(table_rows(page)).to_have_count(18)
    # Ordered by value, largest first.
    expect(table_rows(page).first.locator("th")).to_have_text("Île-de-France")
    assert serious_violations(page) == []

    drill(page, "Île-de-France")
    expect(table_rows(page)).to_have_count(3)
    drill(page, "Créteil")
    expect(table_rows(page)).to_have_count(3)
    drill(page, "Val-de-Marne")
    expect(page.locator("#map-table-caption")).to_have_text("Communes de Val-de-Marne : Population municipale (hab.)")
    expect(table_rows(page)).to_have_count(47)
    expect(page.get_by_role("navigation", name="Territoire affiché").get_by_role("listitem")).to_have_text(
        ["France", "Île-de-France", "Créteil", "Val-de-Marne"]
    )
    expect(page.get_by_role("link", name="Fiche du territoire : Val-de-Marne")).to_have_attribute(
        "href", "/territoires/departement/94/"
    )
    first_by_population = table_rows(page).first.inner_text()

    page.get_by_label("Indicateur").select_option("densite")
    page.wait_for_selector(READY)
    expect(page.locator("#map-table-caption")).to_have_text(
        "Communes de Val-de-Marne : Densité de population (hab./km²)"
    )
    assert table_rows(page).first.inner_text() != first_by_population
    expect(table_rows(page).first.locator("th")).to_have_text("Vincennes")
    page.get_by_label("Classes de la légende").select_option("jenks")
    expect(page.locator("#map-legend-body")).to_contain_text("seuils naturels (jenks)")
    assert "level=commune" in page.url
    assert "parent=departement%3A94" in page.url
    assert "indicator=densite" in page.url
    assert "method=jenks" in page.url

    page.reload()
    page.wait_for_selector(READY)
    expect(page.get_by_label("Indicateur")).to_have_value("densite")
    expect(page.get_by_label("Classes de la légende")).to_have_value("jenks")
    expect(page.get_by_label("Niveau affiché")).to_have_value("commune")
    expect(table_rows(page)).to_have_count(47)
    expect(table_rows(page).first.locator("th")).to_have_text("Vincennes")

    drill(page, "Créteil")
    assert "level=ecole" in page.url
    assert "parent=commune%3A94028" in page.url
    expect(page.locator("#map-table-caption")).to_have_text("Écoles et établissements localisés de Créteil")
    expect(page.locator("#map-table")).to_contain_text("Collège Laplace")
    expect(page.locator("#map-legend-body")).to_contain_text("Collège")
    assert serious_violations(page) == []

    page.go_back()
    page.wait_for_selector(READY)
    expect(table_rows(page)).to_have_count(47)


def test_class_breaks(page):
    builtin_indicators_only(page)
    page.goto("/carte/")
    page.wait_for_selector(READY)
    result = page.evaluate(
        """async () => {
            const {quantiles, jenks, classRanges} = await import("/static/edhub/map/breaks.js");
            const values = [1, 2, 3, 10, 11, 12, 50, 51, 52, 100, 101, 102, 500, null];
            return {
                quantiles: quantiles(values, 5),
                jenks: jenks(values, 4),
                flat: jenks([7, 7, 7], 5),
                ranges: classRanges(values, jenks(values, 4)),
            };
        }"""
    )
    assert result["quantiles"] == [3, 12, 51, 101]
    assert result["jenks"] == [50, 100, 500]
    assert result["flat"] == []
    assert result["ranges"] == [
        {"min": 1, "max": 12, "count": 6, "index": 0},
        {"min": 50, "max": 52, "count": 3, "index": 1},
        {"min": 100, "max": 102, "count": 3, "index": 2},
        {"min": 500, "max": 500, "count": 1, "index": 3},
    ]


@pytest.mark.usefixtures("computed")
def test_legend_says_partial_coverage(page):
    """Académies of Île-de-France by their écoles: only Val-de-Marne's are all listed (directory extract), so
    Créteil's count is partial (1 département of 3) and Paris's and Versailles's are N.C."""
    page.goto("/carte/?level=academie&parent=region_academique:11&indicator=ecoles&method=quantiles")
    page.wait_for_selector(READY)
    legend = page.locator("#map-legend-body")
    expect(legend).to_contain_text("N.C. (2)")
    expect(legend).to_contain_text(
        "Couverture partielle pour 1 territoire sur 3 : valeur construite sur une partie des données seulement "
        "(voir la fiche du territoire). N.C. : aucune donnée, ou couverture nulle."
    )
    expect(table_rows(page).first).to_contain_text("Créteil")
    expect(table_rows(page).first).to_contain_text("652")
    assert serious_violations(page) == []
