"""Local inventories: the equipment, connection and uses of schools, declared by collectivités and académies.

Each upload is a version of its territory's dataset. Its rows (declarations) are never modified: the current
declaration of a school for a rentrée is the one of the latest published upload that has it; rolling an upload
back makes the previous one current again. Confirming or rolling back records an ImportRun of the source
"inventaires", so that indicators are recomputed and caches renewed exactly as after an open-data import.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

SOURCE = "inventaires"


class Technology(models.TextChoices):
    FIBRE = "fibre", "Fibre optique (FttH, FttO)"
    CUIVRE = "cuivre", "Cuivre (ADSL, VDSL)"
    CABLE = "cable", "Câble"
    MOBILE = "mobile", "Réseau mobile (4G, 5G)"
    RADIO = "radio", "Boucle locale radio (THD radio)"
    SATELLITE = "satellite", "Satellite"
    AUCUNE = "aucune", "Aucune connexion"


class UploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The uploads the user sees in the membership in use: those of its territory (all of them for a national
        administrator), see edhub/accounts/permissions.py."""
        from edhub.accounts.permissions import visible_uploads

        return visible_uploads(user, self)


class Upload(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente d'analyse"
        VALIDATING = "validating", "Analyse en cours"
        VALIDATED = "validated", "Analysé : à confirmer"
        REFUSED = "refused", "Fichier refusé"
        CONFIRMED = "confirmed", "Publié"
        ROLLED_BACK = "rolled_back", "Annulé (retour à la version précédente)"
        CANCELLED = "cancelled", "Abandonné"
        FAILED = "failed", "Analyse échouée"

    # The dataset it is a version of: the uploader's territory (None: the national dataset).
    territory = models.ForeignKey(
        "territories.Territory", verbose_name="territoire", null=True, blank=True, on_delete=models.PROTECT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT, related_name="uploads"
    )
    role = models.CharField("rôle de l'auteur", max_length=20)
    file = models.FileField("fichier", upload_to="inventaires/%Y/%m/")
    file_name = models.CharField("nom du fichier", max_length=255)
    checksum = models.CharField("empreinte SHA-256", max_length=64)
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    message = models.TextField(blank=True)
    rows_read = models.PositiveIntegerField("lignes lues", default=0)
    rows_valid = models.PositiveIntegerField("lignes déclarées", default=0)
    # Rows of the template left as downloaded (identity only): neither errors nor declarations.
    rows_blank = models.PositiveIntegerField("lignes non renseignées", default=0)
    rows_rejected = models.PositiveIntegerField("lignes rejetées", default=0)
    # One entry per problem (line, column): {"line": 12, "column": "Classes", "value": "-3", "reason": "…",
    # "effect": "valeur ignorée", "blocking": false}; only a blocking problem (effect "ligne rejetée") rejects a row.
    # Only the first problems of each kind (column and effect) are kept; problem_counts counts them all:
    # [{"column": "Classes", "effect": "valeur ignorée", "blocking": false, "count": 3}].
    problems = models.JSONField("anomalies", default=list, blank=True)
    problem_counts = models.JSONField("anomalies par sorte", default=list, blank=True)
    # The analysis' lease: the job renews heartbeat_at while it works; attempts counts the analyses started.
    heartbeat_at = models.DateTimeField("dernier signe de l'analyse", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("analyses lancées", default=0)
    version = models.PositiveIntegerField("version", null=True, blank=True)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    confirmed_at = models.DateTimeField("publié le", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rolled_back_at = models.DateTimeField("annulé le", null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rollback_reason = models.TextField("motif de l'annulation", blank=True)
    # The ImportRun recorded when it was published: the provenance of its declarations in the indicators.
    run = models.ForeignKey("opendata.ImportRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = UploadQuerySet.as_manager()

    class Meta:
        verbose_name = "dépôt d'inventaire"
        verbose_name_plural = "dépôts d'inventaire"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("inventories:upload", kwargs={"pk": self.pk})

    @property
    def territory_label(self):
        return self.territory.name if self.territory_id else "France (jeu national)"

    @property
    def in_progress(self):
        return self.status in (self.Status.PENDING, self.Status.VALIDATING)

    @property
    def blocking_count(self):
        return sum(kind["count"] for kind in self.problem_counts if kind["blocking"])

    @property
    def warning_count(self):
        return sum(kind["count"] for kind in self.problem_counts if not kind["blocking"])

    @property
    def problems_not_kept(self):
        return self.blocking_count + self.warning_count - len(self.problems)


class DeclarationQuerySet(models.QuerySet):
    def published(self):
        """The declarations of published uploads, oldest publication first: for each school and rentrée, the last
        one is in force (rolled-back uploads are not published any more)."""
        return self.filter(upload__status=Upload.Status.CONFIRMED).order_by("upload__confirmed_at", "upload_id")

    def in_force(self):
        """[Declaration]: the one in force for each school and rentrée among these, latest rentrée first."""
        latest = {(row.school_id, row.rentree): row for row in self.published()}
        return sorted(latest.values(), key=lambda row: (-row.rentree, row.school_id))


class Declaration(models.Model):
    """What an upload declares of one school for one rentrée. An empty field is unknown, never zero."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="declarations")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="declarations")
    rentree = models.PositiveSmallIntegerField("rentrée")
    line = models.PositiveIntegerField("ligne du fichier")
    pupils = models.PositiveIntegerField("élèves", null=True, blank=True)
    classes = models.PositiveIntegerField("classes", null=True, blank=True)
    fixed_computers = models.PositiveIntegerField("ordinateurs fixes pour les élèves", null=True, blank=True)
    mobile_devices = models.PositiveIntegerField("portables et tablettes pour les élèves", null=True, blank=True)
    video_projectors = models.PositiveIntegerField("vidéoprojecteurs", null=True, blank=True)
    interactive_screens = models.PositiveIntegerField("écrans ou tableaux interactifs", null=True, blank=True)
    classes_display = models.PositiveIntegerField(
        "classes avec vidéoprojecteur fixe ou écran interactif", null=True, blank=True
    )
    classes_teacher_computer = models.PositiveIntegerField(
        "classes avec ordinateur de l'enseignant", null=True, blank=True
    )
    classes_internet = models.PositiveIntegerField("classes connectées à Internet", null=True, blank=True)
    classes_camera = models.PositiveIntegerField("classes avec caméra", null=True, blank=True)
    classes_microphone = models.PositiveIntegerField("classes avec microphone", null=True, blank=True)
    classes_speakers = models.PositiveIntegerField("classes avec haut-parleurs", null=True, blank=True)
    classes_wifi = models.PositiveIntegerField("classes couvertes par le Wi-Fi", null=True, blank=True)
    shared_mobile_pack = models.BooleanField("classe mobile partagée", null=True, blank=True)
    director_computer = models.BooleanField("ordinateur de la direction", null=True, blank=True)
    director_connection = models.BooleanField("connexion de la direction", null=True, blank=True)
    director_printer = models.BooleanField("imprimante-scanner en réseau", null=True, blank=True)
    technology = models.CharField("technologie de connexion", max_length=10, choices=Technology.choices, blank=True)
    download_mbps = models.FloatField("débit descendant mesuré (Mbit/s)", null=True, blank=True)
    upload_mbps = models.FloatField("débit montant mesuré (Mbit/s)", null=True, blank=True)
    ent_in_use = models.BooleanField("ENT utilisé", null=True, blank=True)
    ent_name = models.CharField("nom de l'ENT", max_length=100, blank=True)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = "déclaration d'équipement"
        constraints = [
            models.UniqueConstraint(fields=["upload", "school", "rentree"], name="declaration_unique_per_upload")
        ]
        indexes = [models.Index(fields=["school", "rentree"])]

    def __str__(self):
        return f"{self.school_id} {self.rentree} (dépôt {self.upload_id})"
