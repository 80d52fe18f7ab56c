"""Invitations, requests to join, removing members, the admin flag and leaving: what changes, and what each refusal
says (nothing changed)."""

import datetime
import hashlib
import re
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from edhub.accounts import members
from edhub.accounts.models import Invitation, JoinRequest, Membership, Role
from edhub.territories.models import Level, Territory
from tests.accounts.factories import UserFactory, member

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SITE = "https://edhub.example.fr/"
CRETEIL = "Commune — Créteil"


@pytest.fixture
def creteil():
    return Territory.objects.get(level=Level.COMMUNE, code="94028")


@pytest.fixture
def admin(creteil):
    user = UserFactory(username="maire-creteil", first_name="Claire", last_name="Martin")
    member(user, Role.COMMUNE, creteil, admin=True)
    return user


@pytest.fixture
def organisation(admin):
    return admin.memberships.get().organisation


def at(moment):
    return f"{moment.astimezone(PARIS):%d/%m/%Y à %H:%M}"


def token_of(message):
    return re.search(r"https://edhub\.example\.fr/invitations/([\w-]+)/\n", message.body).group(1)


def test_an_invitation_is_mailed_then_accepted(admin, organisation):
    invitation, sent = members.invite(organisation, "Nadia.Benali@Creteil.fr", Role.COMMUNE, False, admin, SITE)

    assert sent is True
    assert invitation.email == "Nadia.Benali@creteil.fr"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Nadia.Benali@creteil.fr"]
    assert message.subject == "Invitation à rejoindre Commune — Créteil sur edhub"
    assert (
        "Claire Martin (maire-creteil) vous invite à rejoindre l'organisation « Commune — Créteil » sur edhub, "
        "avec le rôle « Commune »." in message.body
    )
    assert f"Ce lien ne sert qu'une fois et expire le {at(invitation.expires_at)}." in message.body
    token = token_of(message)
    assert len(token) == 43  # secrets.token_urlsafe(32)
    # Only the token's digest is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)

    nadia = UserFactory(username="nadia", email="nadia.benali@creteil.fr")
    membership = members.accept(token, nadia)

    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.user, membership.organisation, membership.role) == (nadia, organisation, Role.COMMUNE)
    assert membership.is_admin is False
    assert membership.granted_by == admin
    invitation.refresh_from_db()
    assert invitation.accepted_by == nadia
    assert invitation.accepted_at == membership.since


def test_the_invitation_days_come_from_the_settings(admin, organisation, settings):
    settings.ACCOUNTS_INVITATION_DAYS = 2
    invitation, _ = members.invite(organisation, "a@creteil.fr", Role.READER, True, admin, SITE)
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=2)
    assert (invitation.role, invitation.is_admin) == (Role.READER, True)


@pytest.fixture
def token(admin, organisation):
    members.invite(organisation, "nadia.benali@creteil.fr", Role.COMMUNE, False, admin, SITE)
    return token_of(mail.outbox[-1])


def test_a_used_link_is_refused(token, organisation):
    first = UserFactory(username="nadia")
    members.accept(token, first)
    invitation = Invitation.objects.get()
    other = UserFactory(username="intrus")

    with pytest.raises(members.Refused) as refused:
        members.accept(token, other)

    assert str(refused.value) == (
        f"Cette invitation a déjà été acceptée le {at(invitation.accepted_at)} : un lien d'invitation ne sert qu'une "
        "fois. Si vous n'êtes pas membre de « Commune — Créteil », demandez une nouvelle invitation à l'un de ses "
        "administrateurs."
    )
    assert not other.memberships.exists()
    assert Invitation.objects.get().accepted_by == first


def test_an_expired_link_is_refused(token):
    Invitation.objects.update(expires_at=datetime.datetime(2026, 1, 5, 9, 30, tzinfo=PARIS))
    nadia = UserFactory(username="nadia")

    with pytest.raises(members.Refused) as refused:
        members.accept(token, nadia)

    assert str(refused.value) == (
        "Cette invitation a expiré le 05/01/2026 à 09:30 : demandez-en une nouvelle à un administrateur de "
        "« Commune — Créteil »."
    )
    assert not nadia.memberships.exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("forge", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "", lambda t: t[:20]])
def test_a_forged_link_is_refused(token, forge):
    nadia = UserFactory(username="nadia")

    with pytest.raises(members.Refused) as refused:
        members.accept(forge(token), nadia)

    assert str(refused.value) == (
        "Ce lien d'invitation n'est pas valide : vérifiez qu'il a été copié en entier, ou demandez une nouvelle "
        "invitation à un administrateur de l'organisation."
    )
    assert not nadia.memberships.exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_new_invitation_replaces_the_pending_one(token, admin, organisation):
    members.invite(organisation, "NADIA.BENALI@creteil.fr", Role.READER, False, admin, SITE)
    nadia = UserFactory(username="nadia")

    with pytest.raises(members.Refused, match="^Cette invitation a expiré le "):
        members.accept(token, nadia)
    membership = members.accept(token_of(mail.outbox[-1]), nadia)

    assert membership.role == Role.READER


def test_an_accepted_invitation_is_not_cancelled(token, admin):
    members.accept(token, UserFactory(username="nadia"))
    invitation = Invitation.objects.get()

    with pytest.raises(members.Refused) as refused:
        members.cancel(invitation, admin)

    assert str(refused.value) == (
        f"L'invitation de nadia.benali@creteil.fr a déjà été acceptée le {at(invitation.accepted_at)} : retirez le "
        "membre si besoin."
    )
    assert Invitation.objects.get().expires_at == invitation.expires_at


def test_a_member_accepting_again_changes_nothing(token, organisation):
    nadia = UserFactory(username="nadia")
    Membership.objects.create(user=nadia, organisation=organisation, role=Role.READER)

    with pytest.raises(members.Refused) as refused:
        members.accept(token, nadia)

    assert str(refused.value) == (
        "Vous êtes déjà membre de « Commune — Créteil » : l'invitation n'a pas été utilisée."
    )
    assert list(nadia.memberships.values_list("role", flat=True)) == [Role.READER]
    assert Invitation.objects.get().accepted_at is None


def test_only_an_admin_of_the_organisation_invites(organisation, creteil):
    clerk = UserFactory(username="agent-creteil")
    member(clerk, Role.COMMUNE, creteil)

    with pytest.raises(PermissionDenied) as refused:
        members.invite(organisation, "x@creteil.fr", Role.COMMUNE, False, clerk, SITE)

    assert str(refused.value) == "Seul un administrateur de l'organisation invite de nouveaux membres."
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_invitation_offers_the_roles_of_the_organisation_kind(admin, organisation):
    with pytest.raises(members.Refused) as refused:
        members.invite(organisation, "x@creteil.fr", Role.ACADEMIE, False, admin, SITE)

    assert str(refused.value) == (
        "Dans une organisation de type « Commune », le rôle est « Commune » ou « Lecture seule » : choisissez l'un "
        "d'eux."
    )
    assert not Invitation.objects.exists()


def test_a_member_is_not_invited_again(admin, organisation):
    with pytest.raises(members.Refused) as refused:
        members.invite(organisation, admin.email.upper(), Role.COMMUNE, False, admin, SITE)

    assert str(refused.value) == "MAIRE-CRETEIL@example.gouv.fr est déjà membre de « Commune — Créteil »."
    assert not Invitation.objects.exists()


# -- The last administrator -------------------------------------------------------------------------------------------


@pytest.fixture
def national():
    user = UserFactory(username="dne")
    member(user, Role.NATIONAL)
    return user


def test_the_last_admin_cannot_leave(admin, organisation):
    with pytest.raises(members.Refused) as refused:
        members.leave(admin, organisation)

    assert str(refused.value) == (
        "Vous êtes le seul administrateur de « Commune — Créteil » : nommez d'abord un autre administrateur parmi "
        "ses membres, puis quittez l'organisation."
    )
    assert admin.memberships.get().is_admin is True


def test_the_last_admin_cannot_be_removed(admin, organisation, national):
    membership = admin.memberships.get()

    with pytest.raises(members.Refused) as refused:
        members.remove(membership, national)

    assert str(refused.value) == (
        "Claire Martin (maire-creteil) est le seul administrateur de « Commune — Créteil » : nommez d'abord un autre "
        "administrateur, puis retirez-le."
    )
    assert Membership.objects.filter(pk=membership.pk, is_admin=True).exists()


def test_the_last_admin_keeps_the_admin_flag(admin, organisation):
    membership = admin.memberships.get()

    with pytest.raises(members.Refused) as refused:
        members.set_admin(membership, False, admin)

    assert str(refused.value) == (
        "Claire Martin (maire-creteil) est le seul administrateur de « Commune — Créteil » : nommez d'abord un autre "
        "administrateur, puis retirez-lui ce droit."
    )
    assert Membership.objects.get(pk=membership.pk).is_admin is True


def test_with_a_second_admin_the_first_may_step_down_and_leave(admin, organisation, creteil):
    colleague = UserFactory(username="adjoint-creteil")
    other = member(colleague, Role.COMMUNE, creteil)

    members.set_admin(other, True, admin)
    assert Membership.objects.get(pk=other.pk).is_admin is True
    members.set_admin(admin.memberships.get(), False, admin)
    assert admin.memberships.get().is_admin is False
    admin = type(admin).objects.get(pk=admin.pk)  # its membership in use read again, as the next request does
    # No longer an admin: it manages no one any more, but may leave.
    with pytest.raises(PermissionDenied):
        members.remove(other, admin)
    members.leave(admin, organisation)

    assert list(organisation.memberships.values_list("user__username", "is_admin")) == [("adjoint-creteil", True)]


def test_a_member_who_is_not_an_admin_leaves(admin, organisation, creteil):
    clerk = UserFactory(username="agent-creteil")
    member(clerk, Role.COMMUNE, creteil)

    members.leave(clerk, organisation)

    assert not clerk.memberships.exists()
    with pytest.raises(members.Refused) as refused:
        members.leave(clerk, organisation)
    assert str(refused.value) == "Vous n'êtes pas membre de « Commune — Créteil »."


def test_an_admin_removes_a_member_of_its_organisation_only(admin, organisation, creteil):
    clerk = UserFactory(username="agent-creteil")
    clerk_membership = member(clerk, Role.COMMUNE, creteil)
    fresnes = Territory.objects.get(level=Level.COMMUNE, code="94034")
    stranger = member(UserFactory(username="agent-fresnes"), Role.COMMUNE, fresnes)

    with pytest.raises(PermissionDenied) as refused:
        members.remove(stranger, admin)
    assert str(refused.value) == "Seul un administrateur de l'organisation retire un membre ou change ses droits."
    assert Membership.objects.filter(pk=stranger.pk).exists()

    members.remove(clerk_membership, admin)
    assert not Membership.objects.filter(pk=clerk_membership.pk).exists()


# -- Requests to join -------------------------------------------------------------------------------------------------


def test_a_request_to_join_accepted_by_an_admin(admin, organisation):
    nadia = UserFactory(username="nadia")
    join_request = members.ask_to_join(nadia, organisation, "  Je suis la nouvelle chargée du numérique.  ")
    assert join_request.message == "Je suis la nouvelle chargée du numérique."

    membership = members.answer(join_request, True, admin, role=Role.COMMUNE)

    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.user, membership.organisation, membership.role) == (nadia, organisation, Role.COMMUNE)
    assert (membership.is_admin, membership.granted_by) == (False, admin)
    join_request.refresh_from_db()
    assert (join_request.accepted, join_request.answered_by) == (True, admin)
    assert join_request.answered_at == membership.since

    with pytest.raises(members.Refused) as refused:
        members.answer(join_request, False, admin)
    assert str(refused.value) == f"Cette demande a déjà été acceptée le {at(join_request.answered_at)}."
    assert JoinRequest.objects.get().accepted is True


def test_a_second_pending_request_is_refused(organisation):
    nadia = UserFactory(username="nadia")
    first = members.ask_to_join(nadia, organisation)

    with pytest.raises(members.Refused) as refused:
        members.ask_to_join(nadia, organisation, "Encore moi")

    assert str(refused.value) == (
        f"Vous avez déjà demandé à rejoindre « Commune — Créteil » le {at(first.created_at)} : ses administrateurs "
        "n'ont pas encore répondu."
    )
    assert JoinRequest.objects.count() == 1


def test_a_refused_request_may_be_made_again(admin, organisation):
    nadia = UserFactory(username="nadia")
    members.answer(members.ask_to_join(nadia, organisation), False, admin)

    assert JoinRequest.objects.get().accepted is False
    assert not nadia.memberships.exists()
    members.ask_to_join(nadia, organisation)
    assert JoinRequest.objects.filter(answered_at__isnull=True).count() == 1


def test_a_member_does_not_ask_to_join(admin, organisation):
    with pytest.raises(members.Refused) as refused:
        members.ask_to_join(admin, organisation)
    assert str(refused.value) == "Vous êtes déjà membre de « Commune — Créteil »."
    assert not JoinRequest.objects.exists()


def test_only_an_admin_of_the_organisation_answers(organisation, creteil):
    fresnes = Territory.objects.get(level=Level.COMMUNE, code="94034")
    other_admin = UserFactory(username="maire-fresnes")
    member(other_admin, Role.COMMUNE, fresnes, admin=True)
    join_request = members.ask_to_join(UserFactory(username="nadia"), organisation)

    with pytest.raises(PermissionDenied) as refused:
        members.answer(join_request, True, other_admin, role=Role.COMMUNE)

    assert str(refused.value) == "Seul un administrateur de l'organisation répond aux demandes pour la rejoindre."
    assert JoinRequest.objects.get().answered_at is None
    assert not organisation.memberships.filter(user__username="nadia").exists()


def test_accepting_needs_a_role_of_the_organisation(admin, organisation):
    join_request = members.ask_to_join(UserFactory(username="nadia"), organisation)

    with pytest.raises(members.Refused) as refused:
        members.answer(join_request, True, admin, role=Role.NATIONAL)

    assert str(refused.value) == "Choisissez le rôle du nouveau membre : « Commune » ou « Lecture seule »."
    assert JoinRequest.objects.get().answered_at is None


def test_the_admins_and_the_requester_are_told_by_mail(admin, organisation, creteil):
    second = UserFactory(username="adjoint-creteil", email="adjoint@creteil.fr")
    member(second, Role.COMMUNE, creteil, admin=True)
    member(UserFactory(username="agent-creteil"), Role.COMMUNE, creteil)
    nadia = UserFactory(username="nadia", first_name="Nadia", last_name="Benali", email="nadia@creteil.fr")

    join_request = members.ask_to_join(nadia, organisation, "Chargée du numérique", SITE)

    [message] = mail.outbox
    assert sorted(message.to) == ["adjoint@creteil.fr", "maire-creteil@example.gouv.fr"]
    assert message.subject == "Demande pour rejoindre Commune — Créteil"
    assert message.body == (
        "Bonjour,\n\nNadia Benali (nadia, nadia@creteil.fr) demande à rejoindre « Commune — Créteil » sur edhub.\n\n"
        "Son message :\nChargée du numérique\n\nPour accepter ou refuser la demande :\n"
        f"https://edhub.example.fr/organisations/{organisation.pk}/#demandes\n\n"
        "Ce message est envoyé automatiquement par edhub, merci de ne pas y répondre.\n"
    )

    members.answer(join_request, True, admin, role=Role.READER, base_url=SITE)

    message = mail.outbox[1]
    assert message.to == ["nadia@creteil.fr"]
    assert message.subject == "Votre demande pour rejoindre Commune — Créteil : acceptée"
    assert (
        "Votre demande pour rejoindre « Commune — Créteil » sur edhub est acceptée.\nVous en êtes membre, avec le "
        f"rôle « Lecture seule ».\n\nhttps://edhub.example.fr/organisations/{organisation.pk}/\n" in message.body
    )


def test_a_mail_server_failure_leaves_the_invitation_recorded(admin, organisation, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("connexion refusée")

    monkeypatch.setattr(members, "send_mail", fail)

    invitation, sent = members.invite(organisation, "nadia@creteil.fr", Role.COMMUNE, False, admin, SITE)

    assert sent is False
    assert Invitation.objects.get() == invitation


def test_a_membership_made_meanwhile_is_refused_like_an_existing_one(token, organisation, monkeypatch):
    """Two requests at once: the other one made the membership between this one's check and its insert."""
    nadia = UserFactory(username="nadia")
    Membership.objects.create(user=nadia, organisation=organisation, role=Role.READER)
    checks = []
    real_filter = type(organisation.memberships).filter

    def filter_missing_the_other(manager, *args, **kwargs):
        checks.append(kwargs)
        return (
            real_filter(manager, *args, **kwargs).none()
            if kwargs == {"user": nadia}
            else real_filter(manager, *args, **kwargs)
        )

    monkeypatch.setattr(type(organisation.memberships), "filter", filter_missing_the_other)

    with pytest.raises(members.Refused) as refused:
        members.accept(token, nadia)

    assert {"user": nadia} in checks
    assert str(refused.value) == "Vous êtes déjà membre de « Commune — Créteil » : l'invitation n'a pas été utilisée."
    assert list(nadia.memberships.values_list("role", flat=True)) == [Role.READER]
    assert Invitation.objects.get().accepted_at is None
