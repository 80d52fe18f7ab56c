import factory
from django.contrib.auth import get_user_model

from edhub.accounts.models import Membership, Organisation, Role
from edhub.territories.models import Level, Territory

PASSWORD = "mot-de-passe-de-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.gouv.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)


def member(user, role, territory=None, admin=False):
    """Make `user` a member, with `role`, of the organisation the role is exercised in on `territory`."""
    organisation = Organisation.objects.for_role(role, territory)
    return Membership.objects.create(user=user, organisation=organisation, role=role, is_admin=admin)


def agent(role, level=None, code=None, username=None, admin=False):
    """A user member of the organisation of `role` on the real territory level:code (the national service for a
    national administrator)."""
    territory = Territory.objects.get(level=level, code=code) if level else None
    user = UserFactory(username=username or f"{role}-{code or 'france'}")
    member(user, role, territory, admin=admin)
    return user


# One agent per role, on real territories around Créteil (commune 94028, académie 24).
ROLE_TERRITORIES = {
    Role.NATIONAL: (None, None),
    Role.ACADEMIE: (Level.ACADEMIE, "24"),
    Role.REGION: (Level.REGION, "11"),
    Role.DEPARTEMENT: (Level.DEPARTEMENT, "94"),
    Role.EPCI: (Level.EPCI, "200054781"),
    Role.COMMUNE: (Level.COMMUNE, "94028"),
    Role.READER: (Level.DEPARTEMENT, "94"),
}
