import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from edhub.indicators.engine import compute
from edhub.indicators.models import IndicatorState, IndicatorValue
from edhub.territories.models import Level, Territory, TerritoryFigure
from tests.conftest import SESSION_INDICATORS
from tests.indicators.utils import value_of
from tests.opendata.factories import ImportRunFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]

ARCEP = "2019-09-30"


def written(outcomes):
    return {o.slug: (o.created, o.updated, o.deleted) for o in outcomes if not o.skipped}


def test_nothing_is_computed_again_while_no_source_is_imported_again(django_assert_max_num_queries):
    # A savepoint, the last imports, the states, the savepoint's release: nothing else is read.
    with django_assert_max_num_queries(4):
        outcomes = compute(SESSION_INDICATORS)
    assert all(outcome.skipped for outcome in outcomes)


def test_an_import_that_changes_nothing_read_costs_no_computation():
    before = IndicatorValue.objects.filter(indicator="debit_30").order_by("-computed_at").first().computed_at
    run = ImportRunFactory(source="arcep-debit")  # the same figures imported again

    outcomes = {o.slug: o for o in compute(["debit_30", "population"])}

    assert outcomes["debit_30"].skipped  # its figures have the same content
    assert outcomes["population"].skipped  # not one of its sources
    state = IndicatorState.objects.get(indicator="debit_30")
    assert state.imports["arcep-debit"] == run.pk
    assert IndicatorValue.objects.filter(indicator="debit_30").order_by("-computed_at").first().computed_at == before
    # Recorded: the next run does not even read the figures.
    assert compute(["debit_30"])[0].skipped


def test_a_changed_figure_moves_its_commune_and_everything_above_it():
    creteil = Territory.objects.get(level=Level.COMMUNE, code="94028")
    TerritoryFigure.objects.filter(territory=creteil, variable="locaux_ge_30", period=ARCEP).update(
        value=0
    )  # as if no premise of Créteil were eligible any more
    ImportRunFactory(source="arcep-debit")

    (outcome,) = compute(["debit_30"], territory=creteil)

    # Créteil, its EPCI, Val-de-Marne, académie de Créteil, région Île-de-France, région académique, France.
    assert (outcome.created, outcome.updated, outcome.deleted) == (0, 7, 0)
    assert value_of("debit_30", creteil, ARCEP).value == 0
    france = Territory.objects.get(level=Level.FRANCE)
    figures = TerritoryFigure.objects.filter(period=ARCEP, territory__level=Level.COMMUNE)
    eligible = figures.filter(variable="locaux_ge_30").aggregate(total=Sum("value"))["total"]
    premises = figures.filter(variable="locaux").aggregate(total=Sum("value"))["total"]
    assert value_of("debit_30", france, ARCEP)[:3] == (pytest.approx(100 * eligible / premises), eligible, premises)
    # A full computation finds nothing more to write.
    assert written(compute(["debit_30"], force=True)) == {"debit_30": (0, 0, 0)}


def test_a_changed_recipe_is_computed_again(monkeypatch):
    from edhub.indicators import engine

    original = engine._digest
    monkeypatch.setattr(engine, "_digest", lambda content, indicator: original({**content, "recette": 2}, indicator))
    outcomes = compute(["population"])
    assert not outcomes[0].skipped
    assert written(outcomes) == {"population": (0, 0, 0)}


def test_command(capsys):
    out = io.StringIO()
    call_command("compute", "--indicator", "population", "--indicator", "debit_30", "-v", "0", stdout=out)
    assert out.getvalue() == (
        "Indicateurs : 0 calculés, 2 à jour (sources inchangées). "
        "Valeurs : 0 créées, 0 modifiées, 0 supprimées, 0 inchangées.\n"
    )
    out = io.StringIO()
    call_command("compute", "--indicator", "population", "--force", "--territory", "departement:94", stdout=out)
    assert "Indicateurs : 1 calculés pour Val-de-Marne (94) et les territoires qui le contiennent" in out.getvalue()
    assert "0 créées, 0 modifiées, 0 supprimées" in out.getvalue()
    assert "Indicateurs: 100%" in capsys.readouterr().err  # the progress bar


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "nope"], "Indicateur inconnu : nope. Indicateurs possibles : etablissements,"),
        (["--territory", "departement:999"], "Territoire inconnu : « departement:999 »"),
        (["--territory", "94"], "Territoire inconnu : « 94 » (attendu niveau:code, ex. departement:94)."),
    ],
)
def test_command_errors(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call_command("compute", *args)
