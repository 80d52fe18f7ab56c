"""Who belongs to an organisation: invitations by e-mail, requests to join, removing a member, granting or withdrawing
the admin flag, leaving.

Who may act is the permission policy's (edhub/accounts/permissions.py): a refused right raises PermissionDenied with
its reason. What the organisation's state forbids (a link used twice, the last administrator leaving…) raises Refused
with a French message that says what to do instead. Either way nothing is changed.

An organisation keeps at least one administrator once it has one: its last administrator can neither leave, nor be
removed, nor lose the admin flag (the organisation's row is locked while its administrators are counted, so that two
administrators withdrawing each other at once cannot both succeed).
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from edhub.accounts.models import (
    KIND_ROLES,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Role,
    invitation_expiry,
)
from edhub.accounts.permissions import require

logger = logging.getLogger(__name__)


class Refused(Exception):
    """An operation that the organisation's state forbids; its text says why, in French."""


def _day(moment):
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}"


def roles_for(organisation):
    """The roles a member may hold in this organisation: those of its kind, then « Lecture seule »."""
    return [*KIND_ROLES.get(organisation.kind, ()), Role.READER]


def _roles_label(organisation):
    """« « Commune » ou « Lecture seule » »: the roles offered in this organisation, in words."""
    labels = [f"« {Role(role).label} »" for role in roles_for(organisation)]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} ou {labels[-1]}"


def _user_label(user, with_email=False):
    """« Claire Martin (maire-creteil) », with the e-mail address too if asked (« …, claire@creteil.fr) »)."""
    full_name = user.get_full_name()
    details = [user.get_username()] if full_name else []
    if with_email and user.email:
        details.append(user.email)
    name = full_name or user.get_username()
    return f"{name} ({', '.join(details)})" if details else name


FOOTER = "Ce message est envoyé automatiquement par edhub, merci de ne pas y répondre."


def _mail(subject, lines, to):
    """Send a mail (its body: `lines` and the footer); false when the mail server failed (logged)."""
    if not to:
        return False
    try:
        send_mail(subject, "\n".join([*lines, "", FOOTER]) + "\n", settings.DEFAULT_FROM_EMAIL, to)
    except Exception:
        logger.exception("Mail « %s » not sent to %s", subject, to)
        return False
    return True


def _page(base_url, organisation, anchor=""):
    return base_url.rstrip("/") + reverse("organisations:detail", args=[organisation.pk]) + anchor


def _new_member(organisation, user, already, **fields):
    """Make `user` a member of the organisation; Refused (`already`) when it is one, even if it became one an instant
    ago in another request (the unique constraint answers then)."""
    if organisation.memberships.filter(user=user).exists():
        raise Refused(already)
    try:
        with transaction.atomic():
            return Membership.objects.create(user=user, organisation=organisation, **fields)
    except IntegrityError:
        raise Refused(already) from None


def _admins(organisation):
    """The organisation's administrators, its row locked until the end of the transaction."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    return organisation.memberships.filter(is_admin=True)


def _is_last_admin(membership):
    return membership.is_admin and not _admins(membership.organisation).exclude(pk=membership.pk).exists()


# -- Invitations ------------------------------------------------------------------------------------------------------


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_subject(invitation):
    return f"Invitation à rejoindre {invitation.organisation.name} sur edhub"


def invitation_lines(invitation, url):
    inviter = invitation.invited_by
    role = invitation.get_role_display()
    return [
        "Bonjour,",
        "",
        f"{_user_label(inviter)} vous invite à rejoindre l'organisation « {invitation.organisation.name} » sur "
        f"edhub, avec le rôle « {role} »" + (" et les droits d'administrateur." if invitation.is_admin else "."),
        "",
        "Pour accepter l'invitation, ouvrez ce lien :",
        url,
        "",
        f"Ce lien ne sert qu'une fois et expire le {_day(invitation.expires_at)}. Si vous n'attendiez pas cette "
        "invitation, ignorez ce message.",
    ]


def invite(organisation, email, role, is_admin, by, base_url):
    """Invite `email` into `organisation` and send the link by e-mail; `base_url` is the site's address
    (« https://edhub.example.fr », from the request). Returns (invitation, sent): `sent` is false when the mail
    server failed (the invitation exists; the failure is logged).

    A new invitation of the same address replaces the pending one: its link stops working."""
    require(by, "accounts.invite", organisation)
    email = get_user_model().objects.normalize_email(email).strip()
    if role not in roles_for(organisation):
        raise Refused(
            f"Dans une organisation de type « {organisation.get_kind_display()} », le rôle est "
            f"{_roles_label(organisation)} : choisissez l'un d'eux."
        )
    member = organisation.memberships.filter(Q(user__email__iexact=email) | Q(user__username__iexact=email)).first()
    if member is not None:
        raise Refused(f"{email} est déjà membre de « {organisation.name} ».")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        now = timezone.now()
        organisation.invitations.filter(email__iexact=email, accepted_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            is_admin=is_admin,
            invited_by=by,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=invitation_expiry(now),
        )
    url = base_url.rstrip("/") + reverse("organisations:invitation", args=[token])
    return invitation, _mail(invitation_subject(invitation), invitation_lines(invitation, url), [email])


def cancel(invitation, by):
    """`by`, an administrator of the organisation, cancels a pending invitation: its link expires now."""
    require(by, "accounts.invite", invitation.organisation)
    with transaction.atomic():
        Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        invitation.refresh_from_db()
        if invitation.accepted_at is not None:
            raise Refused(
                f"L'invitation de {invitation.email} a déjà été acceptée le {_day(invitation.accepted_at)} : retirez "
                "le membre si besoin."
            )
        if not invitation.is_expired:
            invitation.expires_at = timezone.now()
            invitation.save(update_fields=["expires_at"])
    return invitation


FORGED = (
    "Ce lien d'invitation n'est pas valide : vérifiez qu'il a été copié en entier, ou demandez une nouvelle "
    "invitation à un administrateur de l'organisation."
)


def invitation_for(token):
    """The invitation of this link, if it may still be accepted; Refused (forged, used, expired) otherwise."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None:
        raise Refused(FORGED)
    if invitation.accepted_at is not None:
        raise Refused(
            f"Cette invitation a déjà été acceptée le {_day(invitation.accepted_at)} : un lien d'invitation ne sert "
            f"qu'une fois. Si vous n'êtes pas membre de « {invitation.organisation.name} », demandez une nouvelle "
            "invitation à l'un de ses administrateurs."
        )
    if invitation.is_expired:
        raise Refused(
            f"Cette invitation a expiré le {_day(invitation.expires_at)} : demandez-en une nouvelle à un "
            f"administrateur de « {invitation.organisation.name} »."
        )
    return invitation


def accept(token, user):
    """`user` accepts the invitation of this link: it becomes a member with the invitation's role and admin flag,
    granted by the inviter. Any logged-in account may accept (the link is what proves the invitation); the account
    that did is recorded (accepted_by), beside the address invited."""
    with transaction.atomic():
        invitation = invitation_for(token)
        Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        invitation = invitation_for(token)  # read again under the lock: two tabs cannot both accept it
        organisation = invitation.organisation
        now = timezone.now()
        membership = _new_member(
            organisation,
            user,
            f"Vous êtes déjà membre de « {organisation.name} » : l'invitation n'a pas été utilisée.",
            role=invitation.role,
            is_admin=invitation.is_admin,
            since=now,
            granted_by=invitation.invited_by,
        )
        invitation.accepted_at, invitation.accepted_by = now, user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        JoinRequest.objects.filter(user=user, organisation=organisation, answered_at__isnull=True).update(
            answered_at=now, answered_by=invitation.invited_by, accepted=True
        )
    return membership


# -- Members ----------------------------------------------------------------------------------------------------------


def remove(membership, by):
    """`by` removes a member from the organisation (not its last administrator)."""
    require(by, "accounts.manage_member", membership)
    with transaction.atomic():
        if _is_last_admin(membership):
            raise Refused(
                f"{_user_label(membership.user)} est le seul administrateur de « {membership.organisation.name} » : "
                "nommez d'abord un autre administrateur, puis retirez-le."
            )
        membership.delete()


def set_admin(membership, is_admin, by):
    """`by` grants (or withdraws) the admin flag of a member (never the last administrator's)."""
    require(by, "accounts.manage_member", membership)
    with transaction.atomic():
        if not is_admin and _is_last_admin(membership):
            raise Refused(
                f"{_user_label(membership.user)} est le seul administrateur de « {membership.organisation.name} » : "
                "nommez d'abord un autre administrateur, puis retirez-lui ce droit."
            )
        if membership.is_admin != is_admin:
            membership.is_admin = is_admin
            membership.save(update_fields=["is_admin"])
    return membership


def leave(user, organisation):
    """`user` leaves the organisation (unless it is its last administrator)."""
    with transaction.atomic():
        membership = organisation.memberships.filter(user=user).first()
        if membership is None:
            raise Refused(f"Vous n'êtes pas membre de « {organisation.name} ».")
        if _is_last_admin(membership):
            raise Refused(
                f"Vous êtes le seul administrateur de « {organisation.name} » : nommez d'abord un autre "
                "administrateur parmi ses membres, puis quittez l'organisation."
            )
        membership.delete()


# -- Requests to join -------------------------------------------------------------------------------------------------


def ask_to_join(user, organisation, message="", base_url=None):
    """`user` asks to join the organisation; its administrators answer, told by e-mail when `base_url` (the site's
    address) is given. One pending request per user and organisation."""
    with transaction.atomic():
        if organisation.memberships.filter(user=user).exists():
            raise Refused(f"Vous êtes déjà membre de « {organisation.name} ».")
        pending = organisation.join_requests.filter(user=user, answered_at__isnull=True).first()
        if pending is not None:
            raise Refused(
                f"Vous avez déjà demandé à rejoindre « {organisation.name} » le {_day(pending.created_at)} : ses "
                "administrateurs n'ont pas encore répondu."
            )
        join_request = JoinRequest.objects.create(user=user, organisation=organisation, message=message.strip())
    if base_url:
        admins = organisation.memberships.filter(is_admin=True).exclude(user__email="").order_by("pk")
        lines = [
            "Bonjour,",
            "",
            f"{_user_label(user, with_email=True)} demande à rejoindre « {organisation.name} » sur edhub.",
        ]
        if join_request.message:
            lines += ["", "Son message :", join_request.message]
        lines += ["", "Pour accepter ou refuser la demande :", _page(base_url, organisation, "#demandes")]
        _mail(
            f"Demande pour rejoindre {organisation.name}",
            lines,
            list(admins.values_list("user__email", flat=True)),
        )
    return join_request


def answer(join_request, accepted, by, role=None, base_url=None):
    """`by`, an administrator of the organisation, accepts (with `role`) or refuses a request to join. Accepting
    makes the requester a member, granted by `by`. The requester is told by e-mail when `base_url` (the site's
    address) is given."""
    organisation = join_request.organisation
    require(by, "accounts.answer_join_request", organisation)
    with transaction.atomic():
        JoinRequest.objects.select_for_update().filter(pk=join_request.pk).first()
        join_request.refresh_from_db()
        if join_request.answered_at is not None:
            verdict = "acceptée" if join_request.accepted else "refusée"
            raise Refused(f"Cette demande a déjà été {verdict} le {_day(join_request.answered_at)}.")
        membership = None
        now = timezone.now()
        if accepted:
            if role not in roles_for(organisation):
                raise Refused(f"Choisissez le rôle du nouveau membre : {_roles_label(organisation)}.")
            membership = _new_member(
                organisation,
                join_request.user,
                f"{_user_label(join_request.user)} est déjà membre de « {organisation.name} ».",
                role=role,
                since=now,
                granted_by=by,
            )
        join_request.answered_at, join_request.answered_by, join_request.accepted = now, by, accepted
        join_request.save(update_fields=["answered_at", "answered_by", "accepted"])
    if base_url:
        verdict = "acceptée" if accepted else "refusée"
        lines = ["Bonjour,", "", f"Votre demande pour rejoindre « {organisation.name} » sur edhub est {verdict}."]
        if accepted:
            lines += [
                f"Vous en êtes membre, avec le rôle « {membership.get_role_display()} ».",
                "",
                _page(base_url, organisation),
            ]
        else:
            lines += ["Pour en savoir plus, adressez-vous à l'organisation."]
        _mail(f"Votre demande pour rejoindre {organisation.name} : {verdict}", lines, [join_request.user.email])
    return membership
