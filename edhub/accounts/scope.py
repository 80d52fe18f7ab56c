"""The write scope of a role on a territory: which schools its holder may declare data for. One rule, used by every
write path (upload validation, confirmation, rollback) and tested role by role.

`holder` is anything that holds a role on a territory: a membership (the one in use), or an upload (the role and
territory it was made with)."""

from edhub.accounts.models import Role
from edhub.schools.models import ECOLE_KINDS, LYCEE_KINDS, Kind, School, Sector

# The public schools each collectivité funds (premises and equipment).
FUNDED_KINDS = {
    Role.COMMUNE: ECOLE_KINDS,
    Role.EPCI: ECOLE_KINDS,
    Role.DEPARTEMENT: (Kind.COLLEGE,),
    Role.REGION: LYCEE_KINDS,
}


def membership_of(user):
    """The membership the user acts in, or None (anonymous, or a member of no organisation).

    In a request, the one the user chose in the header (MembershipMiddleware puts it on the user); elsewhere (commands,
    tasks, tests), the user's oldest membership."""
    if user is None or not user.is_authenticated:
        return None
    if hasattr(user, "acting_membership"):
        return user.acting_membership
    membership = user.memberships.select_related("organisation__territory").order_by("since", "pk").first()
    user.acting_membership = membership
    return membership


def can_write(holder):
    return holder is not None and holder.role != Role.READER


def writable_schools(holder):
    """The schools this role may declare data for, as a queryset (none for a reader)."""
    schools = School.objects.all()
    if not can_write(holder):
        return schools.none()
    if holder.role == Role.NATIONAL:
        return schools
    if holder.territory is None:
        return schools.none()
    schools = schools.in_territory(holder.territory)
    kinds = FUNDED_KINDS.get(holder.role)
    if kinds:
        schools = schools.filter(kind__in=kinds, sector=Sector.PUBLIC)
    return schools


def scope_label(holder):
    """What the role may write, in words."""
    if not can_write(holder):
        return "aucune école (lecture seule)"
    if holder.role == Role.NATIONAL:
        return "toutes les écoles et tous les établissements"
    where = holder.territory.name if holder.territory else "?"
    what = {
        Role.COMMUNE: "les écoles publiques de",
        Role.EPCI: "les écoles publiques de l'EPCI",
        Role.DEPARTEMENT: "les collèges publics de",
        Role.REGION: "les lycées publics de la région",
        Role.ACADEMIE: "les écoles et établissements de l'académie de",
    }[holder.role]
    return f"{what} {where}"
