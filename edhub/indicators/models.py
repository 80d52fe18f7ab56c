"""Computed indicator values, one row per (territory or school, indicator, period), and the state of each computation.

A value keeps what it was computed from: numerator and denominator (summed upward, never a mean of means), the
coverage of its data (share of schools, premises or population behind it) and the version of its inputs.
"N.C." (non communiqué) is a null value, or no row at all when nothing is known of the territory.
"""

from django.db import models
from django.db.models import Q

# The level stored for school rows, beside the territorial levels of territories.Level.
SCHOOL_LEVEL = "etablissement"


class Note(models.TextChoices):
    """What a reader must know about how a value was obtained."""

    NONE = "", "—"
    UNWEIGHTED = "non_pondere", "Moyenne simple : effectifs inconnus pour une partie des écoles"
    ESTIMATED = "estime", "Niveau de densité estimé pour une partie des communes"


class IndicatorValue(models.Model):
    # No index of their own: the unique constraints below start with them. No database constraint either: the
    # table is derived, written in bulk by the engine only with the ids it has just read in the same transaction
    # (a constraint costs a quarter of a national computation on PostgreSQL); deletions still cascade in Django.
    territory = models.ForeignKey(
        "territories.Territory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicator_values",
        db_index=False,
        db_constraint=False,
    )
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicator_values",
        db_index=False,
        db_constraint=False,
    )
    # The territory's level (or SCHOOL_LEVEL), copied here so that a map query reads one index.
    level = models.CharField("niveau", max_length=20)
    indicator = models.CharField("indicateur", max_length=60)
    period = models.CharField("période", max_length=20)
    value = models.FloatField("valeur", null=True, blank=True)
    numerator = models.FloatField("numérateur", null=True, blank=True)
    denominator = models.FloatField("dénominateur", null=True, blank=True)
    coverage = models.FloatField("couverture", null=True, blank=True, help_text="De 0 à 1.")
    note = models.CharField(max_length=12, choices=Note.choices, blank=True)
    computed_at = models.DateTimeField("calculé le")
    # Version of the inputs when this value was last written (see IndicatorState.data_version).
    data_version = models.CharField("version des données", max_length=16)

    class Meta:
        verbose_name = "valeur d'indicateur"
        constraints = [
            models.UniqueConstraint(fields=["territory", "indicator", "period"], name="indicator_value_territory"),
            models.UniqueConstraint(fields=["school", "indicator", "period"], name="indicator_value_school"),
            models.CheckConstraint(
                condition=Q(territory__isnull=True, school__isnull=False)
                | Q(territory__isnull=False, school__isnull=True),
                name="indicator_value_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "period", "level"], name="indicator_value_map")]

    def __str__(self):
        owner = self.school_id or self.territory_id
        return f"{self.indicator} {self.period} {self.level} {owner} = {self.value}"


class IndicatorState(models.Model):
    """The last computation of an indicator, to skip it while its inputs are unchanged.

    Two checks: the last import of each of its sources (cheap: nothing to read), then, when one was imported
    again, the content of what it reads (a hash: an import that changed nothing that matters costs no recompute).
    """

    indicator = models.CharField("indicateur", max_length=60, unique=True)
    # Hash of the content of its inputs and of its recipe: the version stored with each value.
    data_version = models.CharField("version des données", max_length=16, blank=True)
    # {source slug: id of its last successful import}, and its hash with the recipe.
    imports = models.JSONField("imports pris en compte", default=dict)
    imports_version = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField("calculé le", null=True, blank=True)
    duration = models.FloatField("durée (s)", default=0)

    class Meta:
        verbose_name = "état de calcul d'un indicateur"

    def __str__(self):
        return f"{self.indicator} ({self.data_version})"
