"""The permission matrix: which schools each role may declare data for, checked on real schools, through the
scope rule and through a real upload (the only write path)."""

import pytest

from edhub.accounts.agents import save_agent
from edhub.accounts.models import Role
from edhub.accounts.scope import membership_of, writable_schools
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory
from tests.accounts.factories import ROLE_TERRITORIES, agent
from tests.inventories.utils import (
    CRETEIL_COLLEGE,
    CRETEIL_COLLEGE_PRIVE,
    CRETEIL_ECOLE,
    CRETEIL_ECOLE_2,
    CRETEIL_ECOLE_PRIVEE,
    FRESNES_ECOLE,
    PANTIN_COLLEGE,
    PARIS_COLLEGE,
    inventory_csv,
    row,
    upload_file,
)

pytestmark = pytest.mark.django_db

SCHOOLS = [
    CRETEIL_ECOLE,
    CRETEIL_ECOLE_2,
    CRETEIL_ECOLE_PRIVEE,
    FRESNES_ECOLE,
    CRETEIL_COLLEGE,
    CRETEIL_COLLEGE_PRIVE,
    PANTIN_COLLEGE,
    PARIS_COLLEGE,
]
ALLOWED = {
    Role.NATIONAL: set(SCHOOLS),
    Role.ACADEMIE: set(SCHOOLS) - {PARIS_COLLEGE},
    Role.REGION: set(),  # lycées only: none among these
    Role.DEPARTEMENT: {CRETEIL_COLLEGE},  # public collèges of Val-de-Marne
    Role.EPCI: {CRETEIL_ECOLE, CRETEIL_ECOLE_2, FRESNES_ECOLE},  # public écoles of the Métropole du Grand Paris
    Role.COMMUNE: {CRETEIL_ECOLE, CRETEIL_ECOLE_2},  # public écoles of Créteil
    Role.READER: set(),
}


@pytest.mark.parametrize("role", list(Role))
def test_writable_schools_of_each_role(role):
    user = agent(role, *ROLE_TERRITORIES[role])
    writable = set(writable_schools(membership_of(user)).filter(uai__in=SCHOOLS).values_list("uai", flat=True))
    assert writable == ALLOWED[role]


@pytest.mark.parametrize("role", [role for role in Role if role != Role.READER])
def test_an_upload_keeps_only_the_rows_inside_the_scope(role):
    user = agent(role, *ROLE_TERRITORIES[role])
    upload = upload_file(user, inventory_csv([row(uai, **{"Classes": "", "Élèves": ""}) for uai in SCHOOLS]))
    refused = {p["value"] for p in upload.problems if p["blocking"]}
    assert refused == set(SCHOOLS) - ALLOWED[role]
    assert all("hors de votre périmètre" in p["reason"] for p in upload.problems if p["blocking"])
    kept = set(upload.declarations.values_list("school_id", flat=True))
    if 2 * len(refused) > len(SCHOOLS):
        # Mostly outside the account's scope: the file is refused whole, its anomalies listed, nothing kept.
        assert upload.status == Upload.Status.REFUSED
        assert f"{len(refused)} des {len(SCHOOLS)} lignes renseignées sont rejetées" in upload.message
        assert "hors de votre périmètre" in upload.message
        assert kept == set()
    else:
        assert upload.status == Upload.Status.VALIDATED
        assert kept == ALLOWED[role]


def test_a_reader_writes_nothing():
    user = agent(Role.READER, Level.DEPARTEMENT, "94")
    upload = upload_file(user, inventory_csv([row(CRETEIL_ECOLE)]))
    assert upload.rows_valid == 0
    assert upload.problems[0]["reason"] == "votre compte est en lecture seule : il ne peut rien déclarer"


def test_a_role_needs_a_territory_of_its_level():
    with pytest.raises(ValueError, match="^Rôle « commune » sans territoire de niveau « commune ».$"):
        save_agent("x", Role.COMMUNE, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
