"""The school registry: one row per UAI, never deleted, with yearly figures (pupils, classes, IPS)."""

from django.db import models
from django.urls import reverse

from edhub.utils.text import fold


class Kind(models.TextChoices):
    ECOLE_MATERNELLE = "ecole_maternelle", "École maternelle"
    ECOLE_ELEMENTAIRE = "ecole_elementaire", "École élémentaire"
    ECOLE_PRIMAIRE = "ecole_primaire", "École primaire"
    COLLEGE = "college", "Collège"
    LYCEE_GT = "lycee_gt", "Lycée général et technologique"
    LYCEE_PRO = "lycee_pro", "Lycée professionnel"
    LYCEE_POLYVALENT = "lycee_polyvalent", "Lycée polyvalent"
    LYCEE = "lycee", "Lycée (autre)"
    EREA = "erea", "EREA"
    AUTRE = "autre", "Autre établissement"


ECOLE_KINDS = (Kind.ECOLE_MATERNELLE, Kind.ECOLE_ELEMENTAIRE, Kind.ECOLE_PRIMAIRE)
LYCEE_KINDS = (Kind.LYCEE_GT, Kind.LYCEE_PRO, Kind.LYCEE_POLYVALENT, Kind.LYCEE, Kind.EREA)


class Funder(models.TextChoices):
    """Which collectivité funds the premises and equipment: this decides who may edit what."""

    COMMUNE = "commune", "Commune"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    ETAT = "etat", "État"


class Sector(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVE = "prive", "Privé"


class State(models.TextChoices):
    OPEN = "open", "Ouvert"
    TO_OPEN = "to_open", "À ouvrir"
    TO_CLOSE = "to_close", "À fermer"
    CLOSED = "closed", "Fermé"


class PriorityEducation(models.TextChoices):
    NONE = "", "Hors éducation prioritaire"
    REP = "REP", "REP"
    REP_PLUS = "REP+", "REP+"


class SchoolQuerySet(models.QuerySet):
    def in_territory(self, territory):
        places = territory.places()
        return self if places is None else self.filter(commune_id__in=places)

    def search(self, text):
        folded = fold(text)
        query = models.Q(uai__iexact=text.strip())
        if folded:
            query |= models.Q(search_name__contains=folded)
        return self.filter(query)


class School(models.Model):
    uai = models.CharField("UAI", max_length=8, primary_key=True)
    name = models.CharField("nom", max_length=250)
    # Searched by « contains » (SchoolQuerySet.search), which no B-tree index serves: none is kept up to date.
    search_name = models.CharField(max_length=250, editable=False)
    kind = models.CharField("type", max_length=20, choices=Kind.choices, default=Kind.AUTRE)
    nature_code = models.CharField("code nature", max_length=4, blank=True)
    nature_label = models.CharField("nature", max_length=120, blank=True)
    sector = models.CharField("secteur", max_length=10, choices=Sector.choices, blank=True)
    private_contract = models.CharField("contrat (privé)", max_length=80, blank=True)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.OPEN)
    commune = models.ForeignKey(
        "territories.Territory", null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    commune_code = models.CharField("code commune (source)", max_length=5, blank=True)
    address = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_precision = models.CharField("précision de la localisation", max_length=40, blank=True)
    priority_education = models.CharField(
        "éducation prioritaire", max_length=4, choices=PriorityEducation.choices, blank=True
    )
    rpi_concentrated = models.BooleanField("RPI concentré", default=False)
    rpi_dispersed = models.BooleanField("RPI dispersé", default=False)
    email = models.CharField("courriel", max_length=120, blank=True)
    phone = models.CharField("téléphone", max_length=40, blank=True)
    website = models.CharField("site web", max_length=250, blank=True)
    opened_on = models.DateField("date d'ouverture", null=True, blank=True)
    # Provenance of the identity fields above: the last import that wrote them.
    run = models.ForeignKey("opendata.ImportRun", on_delete=models.PROTECT, related_name="schools")

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = "école ou établissement"
        verbose_name_plural = "écoles et établissements"
        indexes = [models.Index(fields=["kind", "sector"])]

    def __str__(self):
        return f"{self.name} ({self.uai})"

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("schools:detail", kwargs={"uai": self.uai})

    @property
    def funder(self):
        if self.sector == Sector.PRIVE:
            return ""
        if self.kind in ECOLE_KINDS:
            return Funder.COMMUNE
        if self.kind == Kind.COLLEGE:
            return Funder.DEPARTEMENT
        if self.kind in LYCEE_KINDS:
            return Funder.REGION
        return ""

    @property
    def funder_label(self):
        return Funder(self.funder).label if self.funder else "Non applicable"


class Variable(models.TextChoices):
    PUPILS = "pupils", "Élèves"
    CLASSES = "classes", "Classes"
    PUPILS_PREELEMENTAIRE = "pupils_preelementaire", "Élèves en pré-élémentaire"
    PUPILS_ELEMENTAIRE = "pupils_elementaire", "Élèves en élémentaire"
    PUPILS_ULIS = "pupils_ulis", "Élèves en ULIS"
    IPS = "ips", "Indice de position sociale"
    IPS_STD = "ips_std", "Écart-type de l'IPS"
    IPS_GT = "ips_gt", "IPS voie générale et technologique"
    IPS_PRO = "ips_pro", "IPS voie professionnelle"


class SchoolFigure(models.Model):
    """A yearly value for a school (rentrée = first year of the school year), with its provenance."""

    class Status(models.TextChoices):
        OK = "", "Valeur"
        NS = "NS", "Non significatif"

    # No index of its own: the unique constraint's index (school first) serves every lookup by school.
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="figures", db_index=False)
    variable = models.CharField(max_length=30, choices=Variable.choices)
    rentree = models.PositiveSmallIntegerField("rentrée")
    value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=2, choices=Status.choices, blank=True)
    run = models.ForeignKey("opendata.ImportRun", on_delete=models.PROTECT, related_name="school_figures")

    class Meta:
        verbose_name = "donnée d'établissement"
        constraints = [models.UniqueConstraint(fields=["school", "variable", "rentree"], name="school_figure_unique")]
        indexes = [models.Index(fields=["variable", "rentree"])]

    def __str__(self):
        return f"{self.school_id} {self.variable} {self.rentree} = {self.value}"

    @property
    def school_year(self):
        return f"{self.rentree}-{self.rentree + 1}"
