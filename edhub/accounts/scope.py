"""The write scope of an habilitation: which schools an agent may declare data for. One rule, used by every
write path (upload validation, confirmation, rollback) and tested role by role."""

from edhub.accounts.models import Role
from edhub.schools.models import ECOLE_KINDS, LYCEE_KINDS, Kind, School, Sector

# The public schools each collectivité funds (premises and equipment).
FUNDED_KINDS = {
    Role.COMMUNE: ECOLE_KINDS,
    Role.EPCI: ECOLE_KINDS,
    Role.DEPARTEMENT: (Kind.COLLEGE,),
    Role.REGION: LYCEE_KINDS,
}


def habilitation_of(user):
    """The user's habilitation, or None (anonymous, or an account without a role)."""
    if not user.is_authenticated:
        return None
    return getattr(user, "habilitation", None)


def writable_schools(habilitation):
    """The schools this habilitation may declare data for, as a queryset (none for a reader)."""
    schools = School.objects.all()
    if habilitation is None or not habilitation.can_write:
        return schools.none()
    if habilitation.role == Role.NATIONAL:
        return schools
    if habilitation.territory is None:
        return schools.none()
    schools = schools.in_territory(habilitation.territory)
    kinds = FUNDED_KINDS.get(habilitation.role)
    if kinds:
        schools = schools.filter(kind__in=kinds, sector=Sector.PUBLIC)
    return schools


def scope_label(habilitation):
    """What the agent may write, in words."""
    if habilitation is None or not habilitation.can_write:
        return "aucune école (lecture seule)"
    if habilitation.role == Role.NATIONAL:
        return "toutes les écoles et tous les établissements"
    where = habilitation.territory.name if habilitation.territory else "?"
    what = {
        Role.COMMUNE: "les écoles publiques de",
        Role.EPCI: "les écoles publiques de l'EPCI",
        Role.DEPARTEMENT: "les collèges publics de",
        Role.REGION: "les lycées publics de la région",
        Role.ACADEMIE: "les écoles et établissements de l'académie de",
    }[habilitation.role]
    return f"{what} {where}"
