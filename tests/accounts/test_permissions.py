"""The permission policy, walked whole: every role × every action × an object of its own territory, of another
territory, and of none (the national dataset), plus accounts without a territory or without a membership.

Every answer is written out below (ALLOWED); every refusal raises PermissionDenied with its French reason; what a
user may see by id (IDOR) is exactly what the querysets list. Users are all on the Créteil side (commune 94028,
EPCI Métropole du Grand Paris, département 94, région 11, académie 24), the « other » objects on the Rennes side
(Marcillé-Raoul 35164, its EPCI 200070688, département 35, région 53, académie 14)."""

import pytest
import rules
from django.core.exceptions import PermissionDenied

from edhub.accounts import permissions
from edhub.accounts.models import Kind, Membership, Organisation, Role
from edhub.accounts.permissions import POLICY, may, refusal, require
from edhub.ami.models import Application, Campaign
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory
from tests.accounts.factories import ROLE_TERRITORIES, UserFactory, agent, member
from tests.ami.factories import campaign_on, dossier_in

pytestmark = pytest.mark.django_db

OTHER = {
    Level.COMMUNE: "35164",
    Level.EPCI: "200070688",
    Level.DEPARTEMENT: "35",
    Level.REGION: "53",
    Level.ACADEMIE: "14",
}
# The accounts: one per role on the Créteil side, a reader of the national service (no territory), an administrator
# of the commune's organisation, an account member of no organisation, and a superuser member of none.
ROLES = [role.value for role in Role]
USERS = [*ROLES, "lecteur-national", "commune-admin", "sans-organisation", "superutilisateur"]


@pytest.fixture
def users():
    made = {role: agent(role, *ROLE_TERRITORIES[role]) for role in Role}
    reader = UserFactory(username="lecteur-national")
    member(reader, Role.READER)
    made["lecteur-national"] = reader
    made["commune-admin"] = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="maire-admin", admin=True)
    made["sans-organisation"] = UserFactory(username="sans-organisation")
    made["superutilisateur"] = UserFactory(username="root", is_superuser=True, is_staff=True)
    return made


def _territory(user):
    membership = permissions.membership_of(user)
    return membership.territory if membership is not None else None


def _upload(territory, author):
    return Upload.objects.create(
        territory=territory, author=author, role=Role.COMMUNE, file="x.csv", file_name="x.csv", checksum="0"
    )


@pytest.fixture
def uploads(users):
    """{user: {"own": upload of its territory, "other": of the same level on the Rennes side, "none": national}}."""
    author = users[Role.NATIONAL]
    national = _upload(None, author)
    found = {}
    for name, user in users.items():
        territory = _territory(user)
        if territory is None:
            territory = Territory.objects.get(level=Level.COMMUNE, code="94028")
        other = Territory.objects.get(level=territory.level, code=OTHER[territory.level])
        found[name] = {"own": _upload(territory, author), "other": _upload(other, author), "none": national}
    return found


@pytest.fixture
def ami():
    """The calls and dossiers: « own » on the Créteil side, « other » on the Rennes side."""
    france = Campaign.objects.create(
        title="Appel France",
        territory=Territory.objects.get(level=Level.FRANCE),
        opens_on="2026-01-05",
        closes_on="2026-03-31",
        budget=1_000_000,
    )
    return {
        "campaign": {"own": campaign_on(Level.ACADEMIE, "24"), "other": campaign_on(Level.ACADEMIE, "14")},
        "dossier": {
            "own": dossier_in(france, "94028", state="draft"),
            "other": dossier_in(france, "35164", state="draft"),
        },
    }


@pytest.fixture
def organisations(users):
    creteil = Organisation.objects.get(kind=Kind.COMMUNE, territory__code="94028")
    rennes_side = Organisation.objects.create(kind=Kind.ASSOCIATION, name="Association Bretonne", rna="W351234567")
    someone = UserFactory(username="membre-breton")
    return {
        "organisation": {"own": creteil, "other": rennes_side},
        "membership": {
            "own": Membership.objects.get(user=users[Role.COMMUNE]),
            "other": Membership.objects.create(user=someone, organisation=rennes_side, role=Role.READER),
        },
    }


# The answers. For an action on an object: {user: (own, other[, none])} of those who may; anyone else may not.
# For an action without object: the set of users who may.
NATIONALS = {Role.NATIONAL, "superutilisateur"}
WRITERS = {role for role in ROLES if role != Role.READER}
MEMBERS = {*ROLES, "lecteur-national", "commune-admin"}
ALLOWED_WITHOUT_OBJECT = {
    "accounts.act": MEMBERS,
    "inventories.see": MEMBERS,
    "inventories.upload": WRITERS | {"commune-admin"},
    "ami.manage": NATIONALS,
    "ami.see_followup": {Role.NATIONAL, Role.ACADEMIE, Role.COMMUNE, "commune-admin", "superutilisateur"},
}
# Uploads: everyone sees those of its own territory; a national administrator sees all; nobody else sees the
# national dataset or another territory's. Readers see but may not confirm or roll back.
SEE_UPLOAD = dict.fromkeys(MEMBERS - {"lecteur-national"}, ("own",)) | {
    Role.NATIONAL: ("own", "other", "none"),
}
WRITE_UPLOAD = {user: places for user, places in SEE_UPLOAD.items() if user != Role.READER}
# Dossiers: the commune its own; the académie of Créteil the dossiers of its communes; a national administrator all.
COMMUNES = {Role.COMMUNE: ("own",), "commune-admin": ("own",)}
INSTRUCTORS = {Role.ACADEMIE: ("own",), Role.NATIONAL: ("own", "other"), "superutilisateur": ("own", "other")}
ALLOWED_ON_OBJECT = {
    "inventories.see_upload": ("upload", SEE_UPLOAD),
    "inventories.confirm": ("upload", WRITE_UPLOAD),
    "inventories.rollback": ("upload", WRITE_UPLOAD),
    "ami.see_dossier": ("dossier", COMMUNES | INSTRUCTORS),
    "ami.edit": ("dossier", COMMUNES),
    "ami.deposit": ("dossier", COMMUNES),
    "ami.instruct_dossier": ("dossier", INSTRUCTORS),
    "ami.score": ("dossier", INSTRUCTORS),
    "ami.follow_up": ("accepted dossier", COMMUNES | INSTRUCTORS),
    # A call on an académie is instructed by that académie, and by the national administration.
    "ami.instruct": ("campaign", INSTRUCTORS),
    "ami.committee": ("campaign", INSTRUCTORS),
    "ami.arrest": ("campaign", {Role.NATIONAL: ("own", "other"), "superutilisateur": ("own", "other")}),
    "ami.publish": ("campaign", {Role.NATIONAL: ("own", "other"), "superutilisateur": ("own", "other")}),
    # A commune agent opens a dossier on a call that receives it (the call's own rules are tested in tests/ami).
    "ami.apply": ("campaign", {Role.COMMUNE: ("own", "other"), "commune-admin": ("own", "other")}),
    # An organisation is administered by its administrators (in it), and by the national administration.
    "accounts.see_members": (
        "organisation",
        {"commune-admin": ("own",), **dict.fromkeys(NATIONALS, ("own", "other"))},
    ),
    "accounts.invite": ("organisation", {"commune-admin": ("own",), **dict.fromkeys(NATIONALS, ("own", "other"))}),
    "accounts.see_log": ("organisation", {"commune-admin": ("own",), **dict.fromkeys(NATIONALS, ("own", "other"))}),
    "accounts.answer_join_request": (
        "organisation",
        {"commune-admin": ("own",), **dict.fromkeys(NATIONALS, ("own", "other"))},
    ),
    "accounts.manage_member": (
        "membership",
        {"commune-admin": ("own",), **dict.fromkeys(NATIONALS, ("own", "other"))},
    ),
}


def test_every_action_of_the_policy_is_in_the_matrix():
    assert set(POLICY) == set(ALLOWED_WITHOUT_OBJECT) | set(ALLOWED_ON_OBJECT)


def test_actions_without_object(users):
    answers = {
        action: {name for name, user in users.items() if may(user, action)} for action in ALLOWED_WITHOUT_OBJECT
    }
    assert answers == ALLOWED_WITHOUT_OBJECT


def _objects(kind, name, uploads, ami, organisations):
    if kind == "upload":
        return uploads[name]
    if kind == "accepted dossier":
        accepted = {}
        for place, dossier in ami["dossier"].items():
            dossier.state = Application.State.ACCEPTED  # read in memory by the policy
            accepted[place] = dossier
        return accepted
    if kind in ("dossier", "campaign"):
        for dossier in ami["dossier"].values():
            dossier.state = Application.State.DRAFT
        return ami[kind]
    return organisations[kind]


def test_actions_on_objects(users, uploads, ami, organisations, monkeypatch):
    monkeypatch.setattr(Campaign, "apply_refusal", lambda campaign, commune, today=None: "")
    answers, expected = {}, {}
    for action, (kind, allowed) in ALLOWED_ON_OBJECT.items():
        for name, user in users.items():
            objects = _objects(kind, name, uploads, ami, organisations)
            answers[action, name] = tuple(place for place, obj in objects.items() if may(user, action, obj))
            expected[action, name] = allowed.get(name, ())
    assert {key: value for key, value in answers.items() if value != expected[key]} == {}


def test_a_refusal_is_a_403_with_its_reason_and_rules_gives_the_same_answers(users, ami, uploads):
    commune, reader = users[Role.COMMUNE], users[Role.READER]
    other_dossier = ami["dossier"]["other"]
    with pytest.raises(PermissionDenied) as raised:
        require(commune, "ami.edit", other_dossier)
    assert str(raised.value) == "Seule la commune modifie son dossier."
    assert refusal(reader, "inventories.confirm", uploads[Role.READER]["own"]) == (
        "Votre compte est en lecture seule : il ne peut rien déposer ni publier."
    )
    assert refusal(reader, "inventories.confirm", uploads[Role.READER]["other"]) == (
        "Ce dépôt est celui d'un autre territoire que le vôtre."
    )
    assert refusal(users["sans-organisation"], "inventories.upload") == permissions.NO_MEMBERSHIP
    assert refusal(users[Role.DEPARTEMENT], "ami.instruct", ami["campaign"]["own"]) == (
        "Les candidatures sont instruites et notées par l'administration nationale et par les académies (DANE) "
        "pour leurs communes (votre compte : Département — Val-de-Marne)."
    )
    # django-rules answers as the policy does (it is what {% test_rule %} asks in templates).
    assert rules.test_rule("ami.edit", commune, ami["dossier"]["own"])
    assert not rules.test_rule("ami.edit", commune, other_dossier)


def test_what_a_user_may_reach_by_id_is_what_the_lists_show(users, uploads, ami):
    """IDOR: an object is seen by id exactly when it is in the user's list (the views answer 404 otherwise)."""
    dossiers = list(ami["dossier"].values())
    every_upload = {upload for places in uploads.values() for upload in places.values()}
    for name, user in users.items():
        listed = set(Application.objects.visible_to(user).filter(pk__in=[d.pk for d in dossiers]))
        assert listed == {d for d in dossiers if may(user, "ami.see_dossier", d)}, name
        listed = set(Upload.objects.visible_to(user))
        assert listed == {u for u in every_upload if may(user, "inventories.see_upload", u)}, name


def test_rights_follow_the_membership_in_use(users, ami):
    """A commune agent who is also a reader of the DSDEN instructs nothing and edits its commune's dossier only
    while acting for the commune."""
    user = users[Role.COMMUNE]
    commune_membership = Membership.objects.get(user=user)
    reader_membership = member(user, Role.READER, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    dossier = ami["dossier"]["own"]
    user.acting_membership = reader_membership
    assert (may(user, "ami.edit", dossier), may(user, "inventories.upload")) == (False, False)
    user.acting_membership = commune_membership
    assert (may(user, "ami.edit", dossier), may(user, "inventories.upload")) == (True, True)
