"""One model for every territorial level, from the commune to France."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from edhub.utils.text import fold


class Level(models.TextChoices):
    FRANCE = "france", "France"
    REGION_ACADEMIQUE = "region_academique", "Région académique"
    ACADEMIE = "academie", "Académie"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    ARRONDISSEMENT = "arrondissement", "Arrondissement municipal"


# Density levels of the INSEE grille communale de densité (7 levels); 5 to 7 are rural.
DENSITY_LABELS = {
    1: "Grands centres urbains",
    2: "Centres urbains intermédiaires",
    3: "Petites villes",
    4: "Ceintures urbaines",
    5: "Bourgs ruraux",
    6: "Rural à habitat dispersé",
    7: "Rural à habitat très dispersé",
}
RURAL_DENSITY_LEVELS = (5, 6, 7)


class TerritoryQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_to__isnull=True)

    def search(self, text):
        """Accent- and case-insensitive search on name or code."""
        folded = fold(text)
        query = Q(code__iexact=text.strip())
        if folded:
            query |= Q(search_name__startswith=folded) | Q(search_name__contains=f" {folded}")
        return self.filter(query)


class Territory(models.Model):
    level = models.CharField("niveau", max_length=20, choices=Level.choices)
    code = models.CharField("code officiel", max_length=12)
    name = models.CharField("nom", max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name="territoire parent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Links to every enclosing level, filled for communes, arrondissements, EPCI and départements:
    # they make "everything inside X" a single join whatever the level of X.
    departement = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    epci = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    academie = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region_academique = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    area_km2 = models.FloatField("superficie (km²)", null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geometry = models.TextField("contour simplifié (GeoJSON, WGS84)", blank=True)
    density_level = models.PositiveSmallIntegerField("niveau de densité INSEE", null=True, blank=True)
    density_run = models.ForeignKey(
        "opendata.ImportRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Import de la grille de densité INSEE ; vide quand le niveau est estimé.",
    )
    run = models.ForeignKey(
        "opendata.ImportRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Chargement de la géographie de référence qui a écrit ce territoire.",
    )
    valid_from = models.DateField("valide depuis", null=True, blank=True)
    valid_to = models.DateField("valide jusqu'au", null=True, blank=True)
    successor = models.ForeignKey(
        "self", verbose_name="successeur", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "territoire"
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="territory_level_code_unique")]
        indexes = [models.Index(fields=["level", "name"])]

    def __str__(self):
        return f"{self.name} ({self.code})" if self.level in (Level.COMMUNE, Level.DEPARTEMENT) else self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("territories:detail", kwargs={"level": self.level, "code": self.code})

    @property
    def is_rural(self):
        return None if self.density_level is None else self.density_level in RURAL_DENSITY_LEVELS

    @property
    def density_label(self):
        return DENSITY_LABELS.get(self.density_level, "")

    @property
    def density_estimated(self):
        return self.density_level is not None and self.density_run_id is None

    def ancestors(self):
        """The parent chain up to France, nearest first."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def places(self):
        """The ids of the communes and arrondissements inside this territory, as a subquery (None for France).

        Filtering on `commune_id IN (…)` lets SQLite use its indexes at every level, a commune included.
        """
        if self.level == Level.FRANCE:
            return None
        return Territory.objects.filter(self.inside(), level__in=(Level.COMMUNE, Level.ARRONDISSEMENT)).values("id")

    def inside(self, prefix=""):
        """A Q selecting the communes and arrondissements inside this territory.

        `prefix` is the lookup path from the queried model to its Territory (e.g. "commune__" for schools).
        """
        if self.level == Level.FRANCE:
            return Q()
        if self.level == Level.COMMUNE:
            return Q(**{f"{prefix}id": self.id}) | Q(**{f"{prefix}parent": self})
        if self.level == Level.ARRONDISSEMENT:
            return Q(**{f"{prefix}id": self.id})
        return Q(**{f"{prefix}{self.level}": self})


class TerritoryFigure(models.Model):
    """A value of an open-data variable for a territory and a period, with its provenance (the import run)."""

    # No index of its own: the unique constraint's index (territory first) serves every lookup by territory.
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="figures", db_index=False)
    variable = models.CharField(max_length=40)
    period = models.CharField("période", max_length=20)
    value = models.FloatField(null=True, blank=True)
    run = models.ForeignKey("opendata.ImportRun", on_delete=models.PROTECT, related_name="territory_figures")

    class Meta:
        verbose_name = "donnée territoriale"
        constraints = [
            models.UniqueConstraint(fields=["territory", "variable", "period"], name="territory_figure_unique")
        ]
        indexes = [models.Index(fields=["variable", "period"])]

    def __str__(self):
        return f"{self.territory.code} {self.variable} {self.period} = {self.value}"


class TerritoryAlias(models.Model):
    """A former or secondary commune code that resolves to today's commune (merged, délégué, associé)."""

    class Kind(models.TextChoices):
        DELEGUEE = "deleguee", "Commune déléguée"
        ASSOCIEE = "associee", "Commune associée"
        FORMER = "former", "Ancien code (fusion)"

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = "ancien code de commune"

    def __str__(self):
        return f"{self.code} → {self.territory.code}"
