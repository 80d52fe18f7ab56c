import openpyxl
import pytest

from edhub.opendata.importing import run_import
from edhub.opendata.sources import SOURCES
from edhub.territories.models import Territory

pytestmark = pytest.mark.django_db


def grid_file(path, rows):
    """A workbook laid out like INSEE's fichier_diffusion: title lines above the header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Grille communale de densité à 7 niveaux"])
    sheet.append(["Source : Insee"])
    sheet.append([])
    sheet.append(["CODGEO", "LIBGEO", "DENS", "LIBDENS", "PMUN21"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_official_grid_replaces_the_estimate_and_says_so(tmp_path):
    path = grid_file(
        tmp_path / "fichier_diffusion_2025.xlsx",
        [
            ["75056", "Paris", 1, "Grands centres urbains", 2133111],
            ["64001", "Aast", 7, "Rural à habitat très dispersé", 192],
            ["01340", "Arbignieu", 6, "Rural à habitat dispersé", 500],  # a former code: lands on 01015
            ["94028", "Créteil", 9, "?", 1],
            ["99999", "Nulle part", 5, "Bourgs ruraux", 1],
        ],
    )
    run = run_import(SOURCES["insee-densite"], path).run
    assert run.vintage == "2025"
    assert [(r["line"], r["column"], r["value"]) for r in run.rejections] == [(9, "CODGEO", "99999")]
    # A level out of the grid is not an identity field: Créteil is kept, its level left as it was.
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings] == [
        (8, "DENS", "9", "niveau de densité attendu : entier de 1 à 7 ; champ laissé vide")
    ]
    aast = Territory.objects.get(level="commune", code="64001")
    assert (aast.density_level, aast.density_estimated, aast.is_rural) == (7, False, True)
    assert Territory.objects.get(level="commune", code="01015").density_level == 6
    paris = Territory.objects.get(level="commune", code="75056")
    assert not paris.density_estimated
    assert set(paris.children.values_list("density_level", "density_run")) == {(1, run.pk)}
    assert Territory.objects.get(level="commune", code="94028").density_estimated
