import csv

import pytest

from edhub.opendata.importing import run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES
from edhub.territories.models import TerritoryFigure
from edhub.territories.resolver import CommuneResolver

pytestmark = pytest.mark.django_db
DEBIT = "arcep-mci-commune-debit-2019.csv"


def figures(code, period):
    return dict(
        TerritoryFigure.objects.filter(territory__level="commune", territory__code=code, period=period).values_list(
            "variable", "value"
        )
    )


def test_2019_broadband_file_joins_at_least_995_per_mille():
    run = ImportRun.objects.succeeded().get(source="arcep-debit")
    assert (run.rows_read, run.rows_rejected) == (35359, 2)
    assert (run.rows_read - run.rows_rejected) / run.rows_read >= 0.995
    assert run.vintage == "2019-09-30"


def test_exclusive_speed_classes_become_cumulative_thresholds():
    # Baerendorf: 148 premises, 10 at 8-30 Mbit/s, 138 at ≥ 1 Gbit/s.
    assert figures("67017", "2019-09-30") == {
        "locaux": 148.0,
        "locaux_ge_3": 148.0,
        "locaux_ge_8": 148.0,
        "locaux_ge_30": 138.0,
        "locaux_ge_100": 138.0,
        "locaux_ge_1000": 138.0,
    }


def test_rows_of_merged_communes_are_summed_into_todays_commune(opendata):
    resolver = CommuneResolver()
    with open(opendata / DEBIT, encoding="utf-8") as handle:
        next(handle)
        rows = list(csv.DictReader(handle, delimiter=";"))
    by_commune = {}
    for row in rows:
        target = resolver.resolve(row["code_insee"])
        if target:
            by_commune.setdefault(target, []).append(row)
    merged = {k: v for k, v in by_commune.items() if len(v) > 1}
    assert len(merged) == 317
    for territory_id, parts in list(merged.items())[:25]:
        stored = TerritoryFigure.objects.get(territory_id=territory_id, variable="locaux", period="2019-09-30")
        assert stored.value == sum(int(r["nbr"]) for r in parts)


def test_classes_that_do_not_add_up_keep_the_commune_without_its_speeds_and_warn(variant):
    def edit(lines):
        cells = lines[2].split(";")
        cells[4] = "999"
        return [lines[0], lines[1], ";".join(cells)]

    run = run_import(SOURCES["arcep-debit"], variant(DEBIT, edit, suffix="debit.csv")).run
    assert run.rejections == []
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings] == [
        (3, "nbr", "999", "classes de débit incohérentes : leur somme fait 148 ; locaux et débits laissés vides"),
    ]
    # Baerendorf is kept, with the figures it had: none of the row's figures can be trusted.
    assert (figures("67017", "2019-09-30")["locaux"], figures("67017", "2019-09-30")["locaux_ge_30"]) == (148, 138)


def test_2018_observatory_flags_rural_and_mountain_communes():
    run = ImportRun.objects.succeeded().get(source="arcep-communes")
    assert (run.rows_read, run.rows_rejected) == (35361, 4)
    # Aast: 81 dwellings, no business premises given ("-"), rural, not in the mountains.
    assert figures("64001", "2018") == {
        "logements": 81.0,
        "zone_tres_dense": 0.0,
        "engagement_l33_13": 0.0,
        "commune_rurale": 1.0,
        "commune_montagne": 0.0,
    }
    # 28,131 rural rows of 2018 fall into 27,741 communes of 2026 once merged communes are combined.
    stored = TerritoryFigure.objects.filter(variable="commune_rurale", period="2018")
    assert (stored.filter(value=1).count(), stored.count()) == (27741, 34868)
