"""Publishing, versions and rollback: the indicators follow the declarations in force, at every level."""

import pytest

from edhub.accounts.models import Role
from edhub.indicators.models import IndicatorValue
from edhub.inventories.models import SOURCE, Upload
from edhub.inventories.publishing import NotAllowed, cancel, publish, roll_back
from edhub.opendata.models import ImportRun
from edhub.schools.models import School, State
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.inventories.utils import CRETEIL_ECOLE, CRETEIL_ECOLE_2, inventory_csv, row, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_agent():
    return agent(Role.COMMUNE, Level.COMMUNE, "94028")


@pytest.fixture
def creteil():
    return Territory.objects.get(level=Level.COMMUNE, code="94028")


def value(indicator, territory=None, school=None, period="2025"):
    row = IndicatorValue.objects.filter(indicator=indicator, period=period, territory=territory, school_id=school)
    return row.values_list("value", "coverage").first()


def first_version(user, capture):
    rows = [
        row(CRETEIL_ECOLE),
        row(CRETEIL_ECOLE_2, **{"Classes avec caméra": "4", "Technologie de connexion": "cuivre"}),
    ]
    upload = upload_file(user, inventory_csv(rows))
    with capture(execute=True):
        return publish(upload, user)


def test_publishing_makes_a_version_and_computes_the_indicators(
    commune_agent, creteil, django_capture_on_commit_callbacks
):
    version = ImportRun.objects.data_version()
    upload = first_version(commune_agent, django_capture_on_commit_callbacks)
    assert (upload.status, upload.version, upload.confirmed_by) == (Upload.Status.CONFIRMED, 1, commune_agent)
    assert (upload.run.source, upload.run.vintage) == (SOURCE, "Créteil, version 1, rentrée 2025-2026")
    assert ImportRun.objects.data_version() != version  # every cache keyed by it is renewed

    schools = School.objects.filter(commune=creteil).exclude(state=State.CLOSED).count()
    ecoles = School.objects.filter(commune=creteil, kind__startswith="ecole").exclude(state=State.CLOSED).count()
    # Two schools declared 200 pupils and 10 + 30 terminals each: 1 terminal for 5 pupils.
    assert value("eleves_par_terminal", creteil) == (5.0, pytest.approx(2 / schools))
    assert value("eleves_par_terminal", school=CRETEIL_ECOLE) == (5.0, 1.0)
    assert value("part_terminaux_mobiles", creteil)[0] == 75.0
    assert value("affichage_par_classe", creteil)[0] == 1.0  # (6 + 2) × 2 / (8 × 2)
    assert value("part_classes_wifi", creteil)[0] == 75.0
    assert value("part_connexion_fibre", creteil)[0] == 50.0
    assert value("part_debit_mesure_30", creteil)[0] == 100.0
    assert value("part_ent", creteil)[0] == 100.0
    # The second école has a camera in 4 classes of 8: it misses the socle.
    assert value("part_socle_numerique", creteil) == (50.0, pytest.approx(2 / ecoles))
    assert value("part_socle_numerique", school=CRETEIL_ECOLE)[0] == 100.0
    # Up the chain, the same two schools are the only declarations: 2 of the 794 schools of Val-de-Marne give a
    # value; 2 of the 2,247 of the académie de Créteil or of the 40,080 known in France are under 0.1 %, too few to
    # publish one (N.C.), the coverage is kept.
    chain = [(Level.DEPARTEMENT, "94"), (Level.ACADEMIE, "24"), (Level.FRANCE, "FR")]
    assert [value("eleves_par_terminal", Territory.objects.get(level=level, code=code)) for level, code in chain] == [
        (5.0, pytest.approx(2 / 794)),
        (None, pytest.approx(2 / 2247)),
        (None, pytest.approx(2 / 40080)),
    ]


def test_a_new_version_replaces_and_a_rollback_restores(commune_agent, creteil, django_capture_on_commit_callbacks):
    first_version(commune_agent, django_capture_on_commit_callbacks)
    second = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE, **{"Élèves": "100"})]))
    with django_capture_on_commit_callbacks(execute=True):
        publish(second, commune_agent)
    second.refresh_from_db()
    assert second.version == 2
    # 100 + 200 pupils for 80 terminals.
    assert value("eleves_par_terminal", creteil)[0] == 3.75
    assert value("eleves_par_terminal", school=CRETEIL_ECOLE)[0] == 2.5

    with django_capture_on_commit_callbacks(execute=True):
        roll_back(second, commune_agent, "Effectifs saisis par erreur")
    second.refresh_from_db()
    assert (second.status, second.rolled_back_by, second.rollback_reason) == (
        Upload.Status.ROLLED_BACK,
        commune_agent,
        "Effectifs saisis par erreur",
    )
    assert value("eleves_par_terminal", creteil)[0] == 5.0
    assert value("eleves_par_terminal", school=CRETEIL_ECOLE)[0] == 5.0
    assert ImportRun.objects.filter(source=SOURCE).count() == 3  # two publications and a rollback


def test_actions_refused_in_the_wrong_state(commune_agent, django_capture_on_commit_callbacks):
    upload = first_version(commune_agent, django_capture_on_commit_callbacks)
    with pytest.raises(NotAllowed, match="ne peut pas être publié : il est « Publié »"):
        publish(upload, commune_agent)
    with pytest.raises(NotAllowed, match="Indiquez le motif"):
        roll_back(upload, commune_agent, "  ")
    with pytest.raises(NotAllowed, match="ne peut pas être abandonné"):
        cancel(upload)
    refused = upload_file(commune_agent, inventory_csv([row("9999999Z")]))
    with pytest.raises(NotAllowed, match="ne peut pas être publié : il est « Fichier refusé »"):
        publish(refused, commune_agent)
    cancel(refused)
    assert (refused.declarations.count(), Upload.objects.get(pk=refused.pk).status) == (0, Upload.Status.CANCELLED)
