"""People and organisations: a user holds memberships of organisations (collectivités, State services, schools,
associations, companies, social services), each with a role there and an admin flag, and acts in one of them at a
time (the membership in use: edhub/accounts/middleware.py).

A territorial role is exercised on its organisation's territory. Writes follow who funds what: a commune (or an EPCI)
its public écoles, a département its public collèges, a région its public lycées; an académie (DANE) every school of
its académie; a national administrator every school. A reader writes nothing. Who may do what is said in one place:
edhub/accounts/permissions.py.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from edhub.accounts.organisations import compact, validate_rna, validate_siren, validate_siret
from edhub.territories.models import Level


class Role(models.TextChoices):
    NATIONAL = "national", "Administrateur national"
    ACADEMIE = "academie", "Académie (DANE)"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    READER = "lecteur", "Lecture seule"


class Kind(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    NATIONAL = "etat_national", "Service national de l'État"
    ACADEMIE = "academie", "Académie (DANE)"
    RECTORAT = "rectorat", "Rectorat"
    DSDEN = "dsden", "DSDEN"
    SCHOOL = "etablissement", "École ou établissement"
    ASSOCIATION = "association", "Association"
    TIERS_LIEU = "tiers_lieu", "Tiers-lieu"
    MEDIATION = "mediation", "Lieu de médiation numérique"
    COMPANY = "entreprise", "Entreprise"
    SOCIAL_SERVICE = "service_social", "Service social ou prescripteur"


# The level of the territory a collectivité or a State service is bound to (a national service: France, or none).
KIND_LEVELS = {
    Kind.COMMUNE: Level.COMMUNE,
    Kind.EPCI: Level.EPCI,
    Kind.DEPARTEMENT: Level.DEPARTEMENT,
    Kind.REGION: Level.REGION,
    Kind.ACADEMIE: Level.ACADEMIE,
    Kind.RECTORAT: Level.ACADEMIE,
    Kind.DSDEN: Level.DEPARTEMENT,
}
TERRITORIAL_KINDS = (*KIND_LEVELS, Kind.NATIONAL)
# Associations, tiers-lieux and mediation places are identified by a SIRET or an RNA number.
ASSOCIATIVE_KINDS = (Kind.ASSOCIATION, Kind.TIERS_LIEU, Kind.MEDIATION)

# The organisation each role is exercised in (`edhub agent`, and the data migration of the former memberships). A
# reader is a member of the State service of its territory's level (READER_KINDS), else of the national one.
ROLE_KINDS = {
    Role.NATIONAL: Kind.NATIONAL,
    Role.ACADEMIE: Kind.ACADEMIE,
    Role.REGION: Kind.REGION,
    Role.DEPARTEMENT: Kind.DEPARTEMENT,
    Role.EPCI: Kind.EPCI,
    Role.COMMUNE: Kind.COMMUNE,
}
READER_KINDS = {Level.ACADEMIE: Kind.ACADEMIE, Level.DEPARTEMENT: Kind.DSDEN}
NATIONAL_NAME = "Direction du numérique pour l'éducation (DNE)"

# The roles a member may hold in each kind of organisation: a reader's anywhere, a collectivité's or a State
# service's only in its own kind of organisation, so that the scope rules read a membership as its role on its
# organisation's territory. The roles of schools, associations, companies and social
# services come with the modules that need them.
KIND_ROLES = {
    Kind.NATIONAL: (Role.NATIONAL,),
    Kind.ACADEMIE: (Role.ACADEMIE,),
    Kind.RECTORAT: (Role.ACADEMIE,),
    Kind.REGION: (Role.REGION,),
    Kind.DEPARTEMENT: (Role.DEPARTEMENT,),
    Kind.EPCI: (Role.EPCI,),
    Kind.COMMUNE: (Role.COMMUNE,),
}


# The identifiers of an organisation and their checks (format and key).
IDENTIFIERS = {"siret": validate_siret, "siren": validate_siren, "rna": validate_rna}


class OrganisationQuerySet(models.QuerySet):
    def for_role(self, role, territory, create=True):
        """The organisation a role on a territory is exercised in, created if missing (else None when
        `create` is false).

        A collectivité's role gives the collectivité of its territory, an académie's the académie's DANE, a national
        administrator's the national service (bound to France when the geography is loaded); a reader's, the State
        service of its territory's level (DANE of an académie, DSDEN of a département), else the national one. The
        data migration 0004 calls it on the historical model: it reads no other model than Organisation and its
        territory's.
        """
        kind = READER_KINDS.get(territory and territory.level, Kind.NATIONAL) if role == Role.READER else None
        kind = kind or ROLE_KINDS[role]
        if kind == Kind.NATIONAL:
            territories = self.model._meta.get_field("territory").related_model
            territory, name = territories.objects.filter(level=Level.FRANCE).first(), NATIONAL_NAME
        elif territory is None or territory.level != KIND_LEVELS[kind]:
            raise ValueError(f"Rôle « {role} » sans territoire de niveau « {KIND_LEVELS[kind]} ».")
        else:
            name = f"{Kind(kind).label} — {territory.name}"
        existing = self.filter(kind=kind, territory=territory).order_by("pk").first()
        if existing is None and create:
            return self.create(kind=kind, territory=territory, name=name)
        return existing


class OrganisationManager(models.Manager.from_queryset(OrganisationQuerySet)):
    use_in_migrations = True


class Organisation(models.Model):
    """A collectivité, a State service, a school, an association (tiers-lieu, mediation place), a company or a social
    service: what its members act for."""

    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    name = models.CharField("nom", max_length=250)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name="école ou établissement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    # Checked in clean_fields: see IDENTIFIERS.
    siret = models.CharField("SIRET", max_length=14, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    rna = models.CharField("numéro RNA", max_length=10, blank=True)
    # A new agent whose ProConnect SIRET is the organisation's joins it at once, or asks (its admins answer).
    approves_newcomers = models.BooleanField(
        "les agents arrivant par ProConnect attendent l'accord d'un administrateur", default=False
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = OrganisationManager()

    class Meta:
        verbose_name = "organisation"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "territory"],
                condition=Q(kind__in=TERRITORIAL_KINDS),
                name="organisation_kind_territory_unique",
                violation_error_message="Cette organisation existe déjà pour ce territoire.",
            ),
            models.UniqueConstraint(
                fields=["school"],
                name="organisation_school_unique",
                violation_error_message="Cette école ou cet établissement a déjà son organisation.",
            ),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="organisation_siret_unique",
                violation_error_message="Une organisation porte déjà ce SIRET.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        """Identifiers are made compact (« 219 400 280 00018 » → 21940028000018), then checked: an invalid one gets
        the message of its check only (not Django's length message too), and a SIREN must begin the SIRET."""
        exclude = set(exclude or ())
        errors = {}
        for name, validate in IDENTIFIERS.items():
            setattr(self, name, compact(getattr(self, name)))
            if getattr(self, name) and name not in exclude:
                try:
                    validate(getattr(self, name))
                except ValidationError as error:
                    errors[name] = error.error_list
        if self.siret and self.siren and not errors.keys() & {"siret", "siren"} and self.siret[:9] != self.siren:
            errors["siren"] = [f"Le SIREN est le début du SIRET : {self.siret[:9]} pour le SIRET {self.siret}."]
        try:
            super().clean_fields(exclude=exclude | set(errors))
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        errors = {}
        level = KIND_LEVELS.get(self.kind)
        if level and (self.territory is None or self.territory.level != level):
            level_label = Level(level).label.lower()
            errors["territory"] = (
                f"Une organisation de type « {self.get_kind_display()} » est rattachée à un territoire de niveau "
                f"« {level_label} » : choisissez-le."
            )
        if self.kind == Kind.NATIONAL and self.territory is not None and self.territory.level != Level.FRANCE:
            errors["territory"] = "Un service national de l'État est rattaché à la France, ou à aucun territoire."
        if self.kind == Kind.SCHOOL and self.school_id is None:
            errors["school"] = "Une école ou un établissement est rattaché à son UAI : choisissez-le."
        if self.kind != Kind.SCHOOL and self.school_id is not None:
            errors["school"] = "Seule une organisation de type « École ou établissement » est rattachée à un UAI."
        if self.kind in ASSOCIATIVE_KINDS and not (self.siret or self.rna):
            errors["siret"] = (
                f"Une organisation de type « {self.get_kind_display()} » est identifiée par son SIRET ou son numéro "
                "RNA : indiquez l'un des deux."
            )
        if self.kind == Kind.COMPANY and not self.siret:
            errors["siret"] = "Une entreprise est identifiée par le SIRET de son établissement : indiquez-le."
        if errors:
            raise ValidationError(errors)
        if self.siret and not self.siren:
            self.siren = self.siret[:9]


class Membership(models.Model):
    """What a user does in an organisation: its role there, and whether it administers the organisation's members."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="membre", on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    is_admin = models.BooleanField("administrateur de l'organisation", default=False)
    since = models.DateTimeField("membre depuis", default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="accordée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="granted_memberships",
    )

    class Meta:
        verbose_name = "appartenance"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_user_organisation_unique",
                violation_error_message="Cet utilisateur est déjà membre de cette organisation.",
            )
        ]

    def __str__(self):
        return f"{self.user} : {self.get_role_display()} — {self.organisation}"

    @property
    def territory(self):
        """The territory the role is exercised on: its organisation's (none for a national service)."""
        organisation = self.organisation
        return None if organisation.kind == Kind.NATIONAL else organisation.territory

    @property
    def territory_id(self):
        territory = self.territory
        return territory.pk if territory is not None else None

    @property
    def can_write(self):
        return self.role != Role.READER

    def label(self):
        """The organisation, and the role held there when the organisation's kind does not say it already:
        « Commune — Créteil », « DSDEN — Val-de-Marne, lecture seule »."""
        organisation, role = self.organisation, self.get_role_display()
        if role == organisation.get_kind_display():
            return organisation.name
        return f"{organisation.name}, {role[0].lower()}{role[1:]}"

    def clean(self):
        if self.role == Role.READER or self.organisation_id is None:
            return
        if self.role not in KIND_ROLES.get(self.organisation.kind, ()):
            raise ValidationError(
                {
                    "role": f"Le rôle « {self.get_role_display()} » ne s'exerce pas dans une organisation de type "
                    f"« {self.organisation.get_kind_display()} » : choisissez « Lecture seule » ou une autre "
                    "organisation."
                }
            )


class LoginThrottle(models.Model):
    """The recent login attempts of one account name (hashed), counted atomically: parallel attempts cannot slip
    past the lock (see edhub/accounts/throttle.py)."""

    key = models.CharField("compte (empreinte)", max_length=64, unique=True)
    attempts = models.PositiveIntegerField("tentatives", default=0)
    last_attempt_at = models.DateTimeField("dernière tentative")

    class Meta:
        verbose_name = "tentatives de connexion"
        verbose_name_plural = "tentatives de connexion"

    def __str__(self):
        return f"{self.attempts} tentative(s), la dernière le {self.last_attempt_at:%d/%m/%Y %H:%M}"


def invitation_expiry(sent_at=None):
    """When an invitation sent at `sent_at` (now by default) expires: ACCOUNTS_INVITATION_DAYS days later (7 by
    default)."""
    from datetime import timedelta

    return (sent_at or timezone.now()) + timedelta(days=getattr(settings, "ACCOUNTS_INVITATION_DAYS", 7))


class Invitation(models.Model):
    """An invitation by e-mail to join an organisation, with a role and (or not) the admin flag.

    The link carries a random token; only its SHA-256 is stored, so that the table does not hold usable links. The
    link serves once (accepted_at) and until expires_at (edhub/accounts/members.py)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("adresse e-mail invitée")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    is_admin = models.BooleanField("administrateur de l'organisation", default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invité par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au", default=invitation_expiry)
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="acceptée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )

    class Meta:
        verbose_name = "invitation"

    def __str__(self):
        return f"Invitation de {self.email} — {self.organisation}"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self):
        return self.accepted_at is None and not self.is_expired


class JoinRequest(models.Model):
    """A user's request to join an organisation, answered by one of its administrators (accepted, or not)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandeur", on_delete=models.CASCADE, related_name="join_requests"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField("message", max_length=1000, blank=True)
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    answered_at = models.DateTimeField("répondue le", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="répondue par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="join_requests_answered",
    )
    accepted = models.BooleanField("acceptée", null=True, blank=True)

    class Meta:
        verbose_name = "demande d'adhésion"
        verbose_name_plural = "demandes d'adhésion"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(answered_at__isnull=True),
                name="join_request_pending_unique",
                violation_error_message="Une demande pour rejoindre cette organisation est déjà en attente.",
            )
        ]

    def __str__(self):
        return f"Demande de {self.user} — {self.organisation}"
