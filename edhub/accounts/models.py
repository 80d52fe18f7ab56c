"""Who may do what: each agent account holds one role scoped to a territory (its habilitation).

Writes follow who funds what: a commune (or an EPCI) its public écoles, a département its public collèges, a
région its public lycées; an académie (DANE) every school of its académie; a national administrator every school.
A reader writes nothing. See scope.py for the rules themselves.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from edhub.territories.models import Level


class Role(models.TextChoices):
    NATIONAL = "national", "Administrateur national"
    ACADEMIE = "academie", "Académie (DANE)"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    READER = "lecteur", "Lecture seule"


# The level of the territory each role is scoped to (a reader may be scoped to any level, or to none).
ROLE_LEVELS = {
    Role.ACADEMIE: (Level.ACADEMIE,),
    Role.REGION: (Level.REGION,),
    Role.DEPARTEMENT: (Level.DEPARTEMENT,),
    Role.EPCI: (Level.EPCI,),
    Role.COMMUNE: (Level.COMMUNE,),
}


class Habilitation(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="agent", on_delete=models.CASCADE, related_name="habilitation"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="habilitations",
    )
    granted_at = models.DateTimeField("accordée le", auto_now_add=True)

    class Meta:
        verbose_name = "habilitation"

    def __str__(self):
        where = f" — {self.territory}" if self.territory_id else ""
        return f"{self.user} : {self.get_role_display()}{where}"

    def clean(self):
        levels = ROLE_LEVELS.get(self.role)
        if levels and (self.territory is None or self.territory.level not in levels):
            level_label = Level(levels[0]).label.lower()
            raise ValidationError({"territory": f"Ce rôle s'exerce sur un territoire de niveau « {level_label} »."})
        if self.role == Role.NATIONAL and self.territory_id:
            raise ValidationError({"territory": "Un administrateur national n'est rattaché à aucun territoire."})

    @property
    def can_write(self):
        return self.role != Role.READER


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
