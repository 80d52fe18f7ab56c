"""Creating agent accounts with their membership and its membership, for the `agent` and `demo` commands."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from edhub.accounts.models import Membership, Organisation, Role
from edhub.territories.queries import get_territory


def parse_territory(reference):
    """ "niveau:code" → Territory, or ValueError with a French message."""
    level, _, code = (reference or "").partition(":")
    territory = get_territory(level, code) if code else None
    if territory is None:
        raise ValueError(f"Territoire inconnu : « {reference} » (attendu niveau:code, ex. commune:94028).")
    return territory


@transaction.atomic
def save_agent(username, role, territory=None, email="", password=None, admin=False):
    """Create or update an account and make it a member, with this role, of the organisation the role is exercised
    in (a commune's role: the commune; a reader's: the DSDEN or DANE of its territory…). Its other memberships are
    kept; a membership it already holds there changes role (and admin flag when `admin`).
    Returns (membership, password set or None)."""
    if role not in Role.values:
        raise ValueError(f"Rôle inconnu : « {role} ». Rôles possibles : {', '.join(Role.values)}.")
    if role == Role.NATIONAL and territory is not None:
        raise ValueError("Un administrateur national n'est rattaché à aucun territoire : retirez --territory.")
    organisation = Organisation.objects.for_role(role, territory)
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    if email and user.email != email:
        user.email = email
    if created and password is None:
        password = secrets.token_urlsafe(12)
    if password is not None:
        user.set_password(password)
    user.save()
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    membership = membership or Membership(user=user, organisation=organisation)
    membership.role = role
    membership.is_admin = membership.is_admin or admin
    try:
        membership.full_clean(exclude=["user", "organisation", "granted_by"])
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    membership.save()
    return membership, password
