"""Creating agent accounts with their habilitation and its membership, for the `agent` and `demo` commands."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from edhub.accounts.models import Habilitation, Membership, Organisation, Role
from edhub.territories.queries import get_territory


def parse_territory(reference):
    """ "niveau:code" → Territory, or ValueError with a French message."""
    level, _, code = (reference or "").partition(":")
    territory = get_territory(level, code) if code else None
    if territory is None:
        raise ValueError(f"Territoire inconnu : « {reference} » (attendu niveau:code, ex. commune:94028).")
    return territory


@transaction.atomic
def save_agent(username, role, territory=None, email="", password=None):
    """Create or update an agent, its habilitation and the membership of the organisation the habilitation is
    exercised in (a changed habilitation moves the membership); returns (user, password set or None)."""
    if role not in Role.values:
        raise ValueError(f"Rôle inconnu : « {role} ». Rôles possibles : {', '.join(Role.values)}.")
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    if email and user.email != email:
        user.email = email
    if created and password is None:
        password = secrets.token_urlsafe(12)
    if password is not None:
        user.set_password(password)
    user.save()
    habilitation = Habilitation.objects.filter(user=user).first() or Habilitation(user=user)
    previous = (habilitation.role, habilitation.territory) if habilitation.pk else None
    habilitation.role, habilitation.territory = role, territory
    try:
        habilitation.full_clean(exclude=["user"])
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    habilitation.save()
    organisation = Organisation.objects.for_habilitation(role, territory)
    if previous is not None:
        former = Organisation.objects.for_habilitation(*previous, create=False)
        if former is not None and former != organisation:
            Membership.objects.filter(user=user, organisation=former, role=previous[0]).delete()
    Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    return user, password
