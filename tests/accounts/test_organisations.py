import importlib

import pytest
from django.apps import apps as registry
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from stdnum import luhn

from edhub.accounts.models import Kind, Membership, Organisation, Role
from edhub.territories.models import Level, Territory
from tests.accounts.factories import ROLE_TERRITORIES, UserFactory
from tests.schools.factories import SchoolFactory

pytestmark = pytest.mark.django_db

habilitations_to_memberships = importlib.import_module(
    "edhub.accounts.migrations.0004_habilitations_to_memberships"
).habilitations_to_memberships


def with_key(digits):
    """The digits followed by their Luhn key (stdnum): a valid SIREN from 8 digits, a valid SIRET from 13."""
    return digits + luhn.calc_check_digit(digits)


SIREN = with_key("21940028")  # 219400280, shaped like a commune's SIREN
SIRET = with_key(SIREN + "0001")  # 21940028000018
ASSOCIATION_SIRET = with_key(with_key("77567227") + "0002")  # 77567227200025
WRONG_KEY_SIRET = SIRET[:-1] + str((int(SIRET[-1]) + 1) % 10)
WRONG_KEY_SIREN = SIREN[:-1] + str((int(SIREN[-1]) + 1) % 10)

CHECKSUM = (
    "n'existe pas (sa clé de contrôle est fausse) : recopiez-le depuis l'avis de situation INSEE ou l'annuaire des "
    "entreprises."
)


def territory(level, code):
    return Territory.objects.get(level=level, code=code)


def errors(organisation):
    with pytest.raises(ValidationError) as raised:
        organisation.full_clean()
    return raised.value.message_dict


def association(**fields):
    return Organisation(kind=Kind.ASSOCIATION, name="Les Petits Débrouillards", **fields)


# -- Identifiers ------------------------------------------------------------------------------------------------------


def test_the_computed_numbers_are_those_expected():
    assert (SIREN, SIRET, ASSOCIATION_SIRET) == ("219400280", "21940028000018", "77567227200025")
    assert (WRONG_KEY_SIRET, WRONG_KEY_SIREN) == ("21940028000019", "219400281")


def test_valid_identifiers_are_kept_compact_and_the_siren_is_taken_from_the_siret():
    organisation = association(siret="219 400 280 00018", rna="w751234567")
    organisation.full_clean()
    assert (organisation.siret, organisation.siren, organisation.rna) == (SIRET, SIREN, "W751234567")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"siret": WRONG_KEY_SIRET}, "siret", f"Le SIRET « 21940028000019 » {CHECKSUM}"),
        (
            {"siret": SIRET[:-1]},
            "siret",
            "Le SIRET compte 14 chiffres, « 2194002800001 » en a 13 : vérifiez qu'il est complet.",
        ),
        (
            {"siret": "2194002800001A"},
            "siret",
            "Le SIRET ne contient que des chiffres (14) : corrigez « 2194002800001A ».",
        ),
        ({"siret": ASSOCIATION_SIRET, "siren": WRONG_KEY_SIREN}, "siren", f"Le SIREN « 219400281 » {CHECKSUM}"),
        (
            {"siret": ASSOCIATION_SIRET, "siren": "21940028"},
            "siren",
            "Le SIREN compte 9 chiffres, « 21940028 » en a 8 : vérifiez qu'il est complet.",
        ),
        (
            {"siret": ASSOCIATION_SIRET, "siren": SIREN},
            "siren",
            "Le SIREN est le début du SIRET : 775672272 pour le SIRET 77567227200025.",
        ),
        (
            {"rna": "W75123456"},
            "rna",
            "Le numéro RNA est la lettre W suivie de 9 chiffres (ex. W751234567) : corrigez « W75123456 ».",
        ),
        (
            {"rna": "751234567"},
            "rna",
            "Le numéro RNA est la lettre W suivie de 9 chiffres (ex. W751234567) : corrigez « 751234567 ».",
        ),
        (
            {"rna": "W7512345678"},
            "rna",
            "Le numéro RNA est la lettre W suivie de 9 chiffres (ex. W751234567) : corrigez « W7512345678 ».",
        ),
    ],
)
def test_invalid_identifiers_are_refused_with_what_to_fix(fields, field, message):
    assert errors(association(**fields)) == {field: [message]}


def test_an_rna_number_of_corsica_is_accepted():
    association(rna="W2A1001234").full_clean()


# -- Kinds and their territory, school, identifiers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "level", "code"),
    [
        (Kind.COMMUNE, Level.COMMUNE, "94028"),
        (Kind.EPCI, Level.EPCI, "200054781"),
        (Kind.DEPARTEMENT, Level.DEPARTEMENT, "94"),
        (Kind.REGION, Level.REGION, "11"),
        (Kind.ACADEMIE, Level.ACADEMIE, "24"),
        (Kind.RECTORAT, Level.ACADEMIE, "24"),
        (Kind.DSDEN, Level.DEPARTEMENT, "94"),
        (Kind.NATIONAL, Level.FRANCE, "FR"),
    ],
)
def test_collectivites_and_state_services_are_bound_to_a_territory_of_their_level(kind, level, code):
    Organisation(kind=kind, name="Organisation", territory=territory(level, code)).full_clean()


@pytest.mark.parametrize(
    ("kind", "where", "message"),
    [
        (
            Kind.COMMUNE,
            (Level.DEPARTEMENT, "94"),
            "Une organisation de type « Commune » est rattachée à un territoire de niveau « commune » : "
            "choisissez-le.",
        ),
        (
            Kind.DSDEN,
            (Level.ACADEMIE, "24"),
            "Une organisation de type « DSDEN » est rattachée à un territoire de niveau « département » : "
            "choisissez-le.",
        ),
        (
            Kind.RECTORAT,
            None,
            "Une organisation de type « Rectorat » est rattachée à un territoire de niveau « académie » : "
            "choisissez-le.",
        ),
        (
            Kind.NATIONAL,
            (Level.ACADEMIE, "24"),
            "Un service national de l'État est rattaché à la France, ou à aucun territoire.",
        ),
    ],
)
def test_a_territory_of_another_level_is_refused(kind, where, message):
    organisation = Organisation(kind=kind, name="Organisation", territory=territory(*where) if where else None)
    assert errors(organisation) == {"territory": [message]}


def test_a_national_service_may_have_no_territory():
    Organisation(kind=Kind.NATIONAL, name="Direction du numérique pour l'éducation (DNE)").full_clean()


def test_a_school_is_bound_to_its_uai_and_only_a_school():
    school = SchoolFactory()
    Organisation(kind=Kind.SCHOOL, name=school.name, school=school).full_clean()
    assert errors(Organisation(kind=Kind.SCHOOL, name="École")) == {
        "school": ["Une école ou un établissement est rattaché à son UAI : choisissez-le."]
    }
    assert errors(Organisation(kind=Kind.SOCIAL_SERVICE, name="CCAS", school=school)) == {
        "school": ["Seule une organisation de type « École ou établissement » est rattachée à un UAI."]
    }


@pytest.mark.parametrize("kind", [Kind.ASSOCIATION, Kind.TIERS_LIEU, Kind.MEDIATION])
def test_associations_tiers_lieux_and_mediation_places_have_a_siret_or_an_rna_number(kind):
    Organisation(kind=kind, name="Structure", rna="W212000123").full_clean()
    Organisation(kind=kind, name="Structure", siret=ASSOCIATION_SIRET).full_clean()
    label = Kind(kind).label
    assert errors(Organisation(kind=kind, name="Structure")) == {
        "siret": [
            f"Une organisation de type « {label} » est identifiée par son SIRET ou son numéro RNA : indiquez l'un "
            "des deux."
        ]
    }


def test_a_company_has_a_siret():
    Organisation(kind=Kind.COMPANY, name="Reconditionneur", siret=ASSOCIATION_SIRET).full_clean()
    assert errors(Organisation(kind=Kind.COMPANY, name="Reconditionneur", rna="W751234567")) == {
        "siret": ["Une entreprise est identifiée par le SIRET de son établissement : indiquez-le."]
    }


def test_a_social_service_needs_no_identifier():
    creteil = territory(Level.COMMUNE, "94028")
    Organisation(kind=Kind.SOCIAL_SERVICE, name="CCAS de Créteil", territory=creteil).full_clean()


# -- Uniqueness -------------------------------------------------------------------------------------------------------


def test_one_collectivite_or_state_service_per_territory():
    creteil = territory(Level.COMMUNE, "94028")
    Organisation.objects.create(kind=Kind.COMMUNE, name="Commune — Créteil", territory=creteil)
    Organisation(kind=Kind.SOCIAL_SERVICE, name="CCAS de Créteil", territory=creteil).full_clean()
    assert errors(Organisation(kind=Kind.COMMUNE, name="Ville de Créteil", territory=creteil)) == {
        "__all__": ["Cette organisation existe déjà pour ce territoire."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind=Kind.COMMUNE, name="Ville de Créteil", territory=creteil)


def test_one_organisation_per_school():
    school = SchoolFactory()
    Organisation.objects.create(kind=Kind.SCHOOL, name=school.name, school=school)
    assert errors(Organisation(kind=Kind.SCHOOL, name="Autre nom", school=school)) == {
        "__all__": ["Cette école ou cet établissement a déjà son organisation."]
    }


def test_a_siret_is_unique_when_set():
    Organisation.objects.create(kind=Kind.ASSOCIATION, name="A", rna="W751234567")
    Organisation(kind=Kind.ASSOCIATION, name="B", rna="W751234568").full_clean()  # two without a SIRET
    Organisation.objects.create(kind=Kind.COMPANY, name="C", siret=ASSOCIATION_SIRET)
    assert errors(Organisation(kind=Kind.TIERS_LIEU, name="D", siret=ASSOCIATION_SIRET)) == {
        "__all__": ["Une organisation porte déjà ce SIRET."]
    }


def test_a_user_is_member_of_an_organisation_once():
    user = UserFactory()
    organisation = Organisation.objects.create(kind=Kind.ASSOCIATION, name="A", rna="W751234567")
    Membership.objects.create(user=user, organisation=organisation, role=Role.READER)
    with pytest.raises(ValidationError) as raised:
        Membership(user=user, organisation=organisation, role=Role.READER).full_clean()
    assert raised.value.messages == ["Cet utilisateur est déjà membre de cette organisation."]


def test_a_collectivite_role_is_held_only_in_its_kind_of_organisation():
    user = UserFactory()
    commune = Organisation.objects.create(
        kind=Kind.COMMUNE, name="Commune — Créteil", territory=territory(Level.COMMUNE, "94028")
    )
    dsden = Organisation.objects.create(
        kind=Kind.DSDEN, name="DSDEN — Val-de-Marne", territory=territory(Level.DEPARTEMENT, "94")
    )
    Membership(user=user, organisation=commune, role=Role.COMMUNE).full_clean()
    Membership(user=user, organisation=dsden, role=Role.READER).full_clean()
    with pytest.raises(ValidationError) as raised:
        Membership(user=user, organisation=dsden, role=Role.COMMUNE).full_clean()
    assert raised.value.message_dict == {
        "role": [
            "Le rôle « Commune » ne s'exerce pas dans une organisation de type « DSDEN » : choisissez « Lecture "
            "seule » ou une autre organisation."
        ]
    }


# -- Habilitations became memberships (data migration 0004; 0005 deleted them) ------------------------------------

# The organisation (kind, level, code) each habilitation of ROLE_TERRITORIES, and of a few more readers, is exercised
# in.
EXPECTED = {
    Role.NATIONAL: (Kind.NATIONAL, Level.FRANCE, "FR"),
    Role.ACADEMIE: (Kind.ACADEMIE, Level.ACADEMIE, "24"),
    Role.REGION: (Kind.REGION, Level.REGION, "11"),
    Role.DEPARTEMENT: (Kind.DEPARTEMENT, Level.DEPARTEMENT, "94"),
    Role.EPCI: (Kind.EPCI, Level.EPCI, "200054781"),
    Role.COMMUNE: (Kind.COMMUNE, Level.COMMUNE, "94028"),
    Role.READER: (Kind.DSDEN, Level.DEPARTEMENT, "94"),
}
READERS = {
    "lecteur-academie": ((Level.ACADEMIE, "24"), (Kind.ACADEMIE, Level.ACADEMIE, "24")),
    "lecteur-commune": ((Level.COMMUNE, "94028"), (Kind.NATIONAL, Level.FRANCE, "FR")),
    "lecteur-sans-territoire": ((None, None), (Kind.NATIONAL, Level.FRANCE, "FR")),
}


HABILITATION_MODELS = ("Habilitation", "Membership", "Organisation")


def memberships():
    return {
        (m.user.username, m.role, m.organisation.kind, m.organisation.territory.level, m.organisation.territory.code)
        for m in Membership.objects.select_related("user", "organisation__territory")
    }


MIGRATED = ("accounts", "0004_habilitations_to_memberships")
HISTORICAL = pytest.mark.django_db(
    transaction=True,
    available_apps=["django.contrib.auth", "django.contrib.contenttypes", "auditlog", "edhub.accounts"],
)


@pytest.fixture
def before_0005():
    """The database and the models as they were when habilitations still existed (after the data migration 0004,
    before 0005 deleted them); brought back to the latest migration afterwards."""
    # The migrations of every app are read (available_apps narrows the registry to the apps flushed after the test).
    available = [config.name for config in registry.get_app_configs()]
    registry.unset_available_apps()
    try:
        executor = MigrationExecutor(connection)
        latest = [key for key in executor.loader.graph.leaf_nodes() if key[0] == "accounts"]
        executor.migrate([MIGRATED])
        old = executor.loader.project_state(MIGRATED).apps
        # Organisations committed by other tests of this process (browser tests) are not this test's: the flush
        # after it empties these tables anyway.
        old.get_model("accounts", "Organisation").objects.all().delete()
        yield old
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        registry.set_available_apps(available)


def _habilitation(old, username, role, level=None, code=None):
    user = old.get_model("auth", "User").objects.create(username=username)
    territory = old.get_model("territories", "Territory").objects.get(level=level, code=code) if level else None
    return old.get_model("accounts", "Habilitation").objects.create(user=user, role=role, territory=territory)


@HISTORICAL
def test_the_data_migration_gives_every_habilitation_its_membership(before_0005):
    old = before_0005
    Habilitation, Membership, Organisation = (old.get_model("accounts", name) for name in HABILITATION_MODELS)
    expected = set()
    for role, (level, code) in ROLE_TERRITORIES.items():
        for n in (1, 2):
            _habilitation(old, f"{role}-{n}", role, level, code)
            expected.add((f"{role}-{n}", role, *EXPECTED[role]))
    for username, ((level, code), organisation) in READERS.items():
        _habilitation(old, username, Role.READER, level, code)
        expected.add((username, Role.READER, *organisation))
    assert (Habilitation.objects.count(), Membership.objects.count(), Organisation.objects.count()) == (17, 0, 0)

    habilitations_to_memberships(old)

    assert (Habilitation.objects.count(), Membership.objects.count(), Organisation.objects.count()) == (17, 17, 7)
    found = {
        (m.user.username, m.role, m.organisation.kind, m.organisation.territory.level, m.organisation.territory.code)
        for m in Membership.objects.select_related("user", "organisation__territory")
    }
    assert found == expected
    granted = dict(Habilitation.objects.values_list("user__username", "granted_at"))
    assert {m.user.username: m.since for m in Membership.objects.select_related("user")} == granted
    assert set(Membership.objects.values_list("is_admin", "granted_by")) == {(False, None)}
    assert Organisation.objects.get(kind=Kind.NATIONAL).name == "Direction du numérique pour l'éducation (DNE)"
    assert Organisation.objects.get(kind=Kind.COMMUNE).name == "Commune — Créteil"

    habilitations_to_memberships(old)  # run again: nothing changes
    assert (Membership.objects.count(), Organisation.objects.count()) == (17, 7)


@HISTORICAL
def test_the_data_migration_stops_on_an_habilitation_without_its_territory(before_0005):
    habilitation = _habilitation(before_0005, "sans-territoire", Role.COMMUNE)
    with pytest.raises(RuntimeError) as raised:
        habilitations_to_memberships(before_0005)
    assert str(raised.value) == (
        f"Habilitation n° {habilitation.pk} : Rôle « commune » sans territoire de niveau « commune »."
    )


# -- `edhub agent` ----------------------------------------------------------------------------------------------------


def test_the_agent_command_creates_memberships():
    call_command("agent", "mairie-creteil", "--role", "commune", "--territory", "commune:94028")
    call_command("agent", "dsden-94", "--role", "lecteur", "--territory", "departement:94")
    assert memberships() == {
        ("mairie-creteil", Role.COMMUNE, Kind.COMMUNE, Level.COMMUNE, "94028"),
        ("dsden-94", Role.READER, Kind.DSDEN, Level.DEPARTEMENT, "94"),
    }

    call_command("agent", "mairie-creteil", "--role", "lecteur", "--territory", "departement:94")
    assert memberships() == {
        ("mairie-creteil", Role.COMMUNE, Kind.COMMUNE, Level.COMMUNE, "94028"),  # kept
        ("mairie-creteil", Role.READER, Kind.DSDEN, Level.DEPARTEMENT, "94"),
        ("dsden-94", Role.READER, Kind.DSDEN, Level.DEPARTEMENT, "94"),
    }
    assert Organisation.objects.filter(kind=Kind.DSDEN).count() == 1  # the DSDEN is found, not created twice

    call_command("agent", "admin", "--role", "national")
    user = get_user_model().objects.get(username="admin")
    membership = user.memberships.get()
    assert (membership.role, membership.organisation.kind, membership.organisation.territory.level) == (
        Role.NATIONAL,
        Kind.NATIONAL,
        Level.FRANCE,
    )


# -- Admin ------------------------------------------------------------------------------------------------------------


def test_a_membership_added_in_the_admin_is_granted_by_its_administrator(client):
    administrator = UserFactory(username="administrateur", is_staff=True, is_superuser=True)
    member = UserFactory(username="membre")
    organisation = Organisation.objects.create(kind=Kind.ASSOCIATION, name="A", rna="W751234567")
    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": member.pk,
            "organisation": organisation.pk,
            "role": Role.READER,
            "since_0": "03/12/2026",
            "since_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert (membership.user, membership.organisation, membership.granted_by) == (member, organisation, administrator)


def test_invitations_and_requests_to_join_are_listed_read_only_in_the_admin(client):
    client.force_login(UserFactory(username="administrateur", is_staff=True, is_superuser=True))
    for model in ("invitation", "joinrequest"):
        assert client.get(f"/admin/accounts/{model}/").status_code == 200
        assert client.get(f"/admin/accounts/{model}/add/").status_code == 403
