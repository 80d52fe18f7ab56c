"""Connectivity call (AMI): campaigns, their published scoring grid and the versions of their rules.

A campaign is drafted freely. When it opens, its rules (dates, budget, laureates, cost model, eligibility gates,
caps, scoring grid) are frozen into version 1; every later change of the rules of an open or closed campaign
records a new version with its date and author, so that candidates and the committee can always tell which
rules applied when.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from edhub.accounts import permissions
from edhub.inventories.models import Technology
from edhub.territories.models import Level, Territory

# The territories a campaign may cover.
CAMPAIGN_LEVELS = (Level.FRANCE, Level.REGION_ACADEMIQUE, Level.ACADEMIE, Level.DEPARTEMENT)

# Wired speed thresholds published by the Arcep per commune (premises eligible to at least N Mbit/s).
SPEED_THRESHOLDS = ((3, "3 Mbit/s"), (8, "8 Mbit/s (bon haut débit)"), (30, "30 Mbit/s (très haut débit)"))
SPEED_THRESHOLDS += ((100, "100 Mbit/s"), (1000, "1 Gbit/s"))

# The default published grid of the call (issue 4): code, label, weight, automatic (computed from data).
DEFAULT_GRID = (
    ("connectivite", "Besoin de connectivité des écoles", 30, True),
    ("ruralite", "Ruralité de la commune", 15, True),
    ("social", "Priorité sociale (IPS des écoles, REP)", 15, True),
    ("projet", "Projet pédagogique", 20, False),
    ("cofinancement", "Cofinancement et pérennité", 10, False),
    ("coherence", "Cohérence avec les plans territoriaux de réseaux (SDTAN, RIP)", 10, False),
)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        OPEN = "open", "Ouvert aux candidatures"
        CLOSED = "closed", "Clos"

    title = models.CharField("titre", max_length=200)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": CAMPAIGN_LEVELS},
        help_text="La France, une région académique, une académie ou un département.",
    )
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_on = models.DateField("ouverture des candidatures")
    closes_on = models.DateField("clôture des candidatures")
    budget = models.PositiveIntegerField("budget (euros)")
    laureates_min = models.PositiveSmallIntegerField("nombre minimal de lauréats", default=30)
    laureates_max = models.PositiveSmallIntegerField("nombre maximal de lauréats", default=50)
    ceiling_per_school = models.PositiveIntegerField(
        "plafond par école (euros)", null=True, blank=True, help_text="Vide : pas de plafond par école."
    )
    ceiling_per_class = models.PositiveIntegerField(
        "plafond par classe (euros)", null=True, blank=True, help_text="Vide : pas de plafond par classe."
    )
    rural_only = models.BooleanField(
        "communes rurales seulement (grille de densité INSEE, niveaux 5 à 7)", default=True
    )
    requires_public_ecole = models.BooleanField("au moins une école publique ouverte", default=True)
    speed_threshold = models.PositiveSmallIntegerField(
        "seuil de débit (Mbit/s)",
        choices=SPEED_THRESHOLDS,
        default=30,
        help_text="Débit filaire en dessous duquel une école ou une commune est mal connectée.",
    )
    share_threshold = models.FloatField(
        "part des locaux éligibles au seuil (%)",
        default=50.0,
        help_text="Commune éligible quand une part moindre de ses locaux atteint le seuil (Arcep).",
    )
    cap_per_departement = models.PositiveSmallIntegerField(
        "lauréats au plus par département", null=True, blank=True, help_text="Vide : pas de plafond."
    )
    results_published_at = models.DateTimeField("résultats publiés le", null=True, blank=True)
    published_results = models.JSONField(
        "résultats publiés",
        null=True,
        blank=True,
        editable=False,
        help_text="Figés à la publication : une note ou une donnée changée ensuite ne les modifie pas.",
    )
    version = models.PositiveIntegerField("version des règles", default=0, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "appel à manifestation d'intérêt"
        verbose_name_plural = "appels à manifestation d'intérêt"
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="ami_campaign_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(laureates_max__gte=models.F("laureates_min")), name="ami_campaign_laureates_ordered"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ami:detail", kwargs={"pk": self.pk})

    @property
    def is_public(self):
        """Open and closed calls are public; drafts are seen by administrators only."""
        return self.status != self.Status.DRAFT

    def clean(self):
        errors = {}
        if self.territory_id and self.territory.level not in CAMPAIGN_LEVELS:
            errors["territory"] = "Un appel couvre la France, une région académique, une académie ou un département."
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = "La clôture doit suivre l'ouverture."
        if None not in (self.laureates_min, self.laureates_max) and self.laureates_max < self.laureates_min:
            errors["laureates_max"] = "Le nombre maximal de lauréats doit être au moins le nombre minimal."
        if self.share_threshold is not None and not 0 < self.share_threshold <= 100:
            errors["share_threshold"] = "Une part entre 0 et 100 %."
        if errors:
            raise ValidationError(errors)

    def add_default_grid(self):
        """The default published grid of the call, when the campaign has no criterion yet."""
        if self.criteria.exists():
            return
        Criterion.objects.bulk_create(
            Criterion(campaign=self, code=code, label=label, weight=weight, automatic=automatic, position=position)
            for position, (code, label, weight, automatic) in enumerate(DEFAULT_GRID, start=1)
        )

    def rules(self):
        """The rules of the call as plain data: what a version freezes."""
        return {
            "title": self.title,
            "territory": {"level": self.territory.level, "code": self.territory.code, "name": self.territory.name},
            "opens_on": self.opens_on.isoformat(),
            "closes_on": self.closes_on.isoformat(),
            "budget": self.budget,
            "laureates_min": self.laureates_min,
            "laureates_max": self.laureates_max,
            "ceiling_per_school": self.ceiling_per_school,
            "ceiling_per_class": self.ceiling_per_class,
            "rural_only": self.rural_only,
            "requires_public_ecole": self.requires_public_ecole,
            "speed_threshold": self.speed_threshold,
            "share_threshold": self.share_threshold,
            "cap_per_departement": self.cap_per_departement,
            "criteria": [
                {
                    "code": c.code,
                    "label": c.label,
                    "weight": c.weight,
                    "automatic": c.automatic,
                    "published": c.published,
                }
                for c in self.criteria.order_by("position", "id")
            ],
        }

    @transaction.atomic
    def open(self, user=None):
        """Draft → open: the rules are frozen into version 1."""
        if self.status != self.Status.DRAFT:
            raise ValidationError("Seul un appel en brouillon peut être ouvert.")
        self.add_default_grid()
        self.status = self.Status.OPEN
        self.save(update_fields=["status"])
        return self.record_version(user)

    @transaction.atomic
    def close(self, user=None):
        """Open → closed: the call takes no first deposit any more (a dossier sent back for corrections may still
        come back, see Application.deposit_refusal).

        The rules do not change, but the closure is part of their history: it is recorded as a new version of the
        same rules with the note « Clôture », which dates it and names who closed the call."""
        status = Campaign.objects.select_for_update().filter(pk=self.pk).values_list("status", flat=True).first()
        if status != self.Status.OPEN:
            raise ValidationError("Seul un appel ouvert aux candidatures peut être clos.")
        self.status = self.Status.CLOSED
        self.save(update_fields=["status"])
        return self._add_version(self.rules(), user, "Clôture")

    @transaction.atomic
    def record_version(self, user=None, note=""):
        """Freeze the current rules into a new version if they differ from the last one (not for drafts).

        Returns the new version, or None when nothing changed."""
        if self.status == self.Status.DRAFT:
            return None
        rules = self.rules()
        last = self.versions.order_by("-number").first()
        if last is not None and last.rules == rules:
            return None
        return self._add_version(rules, user, "Ouverture" if last is None else (note or "Modification des règles"))

    def _add_version(self, rules, user, note):
        last = self.versions.order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
        version = self.versions.create(number=number, rules=rules, created_by=user, note=note)
        Campaign.objects.filter(pk=self.pk).update(version=number)
        self.version = number
        return version

    def closed_refusal(self, today=None):
        """Why the call receives no dossier today, in words ("" when it does)."""
        today = today or timezone.localdate()
        if self.status != self.Status.OPEN or not self.opens_on <= today <= self.closes_on:
            return (
                f"Cet appel ne reçoit pas de candidature aujourd'hui : les candidatures sont reçues du "
                f"{self.opens_on:%d/%m/%Y} au {self.closes_on:%d/%m/%Y}, appel ouvert."
            )
        return ""

    def apply_refusal(self, commune, today=None):
        """Why this commune may not open a dossier on the call today ("" when it may): the call must receive dossiers
        and its rules make the commune eligible. Who may apply for a commune is the policy's
        (edhub/accounts/permissions.py, « ami.apply »)."""
        from edhub.ami.eligibility import ineligibility  # it reads the follow-up, which imports these models

        return self.closed_refusal(today) or ineligibility(self, commune)

    def cost_ceiling(self, schools, classes):
        """The eligible cost of a dossier under the cost model (None: no ceiling)."""
        ceilings = []
        if self.ceiling_per_school is not None:
            ceilings.append(self.ceiling_per_school * schools)
        if self.ceiling_per_class is not None:
            ceilings.append(self.ceiling_per_class * classes)
        return min(ceilings) if ceilings else None


class Criterion(models.Model):
    """A line of the scoring grid: automatic criteria are computed from data, manual ones entered by scorers."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField("code", max_length=30)
    label = models.CharField("libellé", max_length=200)
    weight = models.PositiveSmallIntegerField("poids")
    automatic = models.BooleanField("calculé à partir des données", default=False)
    published = models.BooleanField("publié", default=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère de la grille"
        verbose_name_plural = "grille de notation"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="ami_criterion_code_unique")]

    def __str__(self):
        return f"{self.label} ({self.weight})"


class CampaignVersion(models.Model):
    """The frozen rules of a campaign from a date on."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    rules = models.JSONField("règles")
    created_at = models.DateTimeField("en vigueur depuis", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("motif", max_length=200, blank=True)

    class Meta:
        verbose_name = "version des règles"
        verbose_name_plural = "versions des règles"
        ordering = ["campaign", "-number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="ami_version_unique")]

    def __str__(self):
        return f"{self.campaign} — version {self.number}"


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The dossiers the user sees in the membership in use (edhub/accounts/permissions.py)."""
        return permissions.visible_dossiers(user, self)


class Application(models.Model):
    """The dossier of a commune for a call, from draft to decision; every change of state is logged."""

    class State(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        SUBMITTED = "submitted", "Déposé"
        IN_INSTRUCTION = "in_instruction", "En instruction"
        CORRECTIONS = "corrections", "À compléter par la commune"
        ACCEPTED = "accepted", "Retenu"
        REFUSED = "refused", "Non retenu"
        WITHOUT_FOLLOW_UP = "without_follow_up", "Classé sans suite"

    # Who moves a dossier from a state to another: the commune or an instructor.
    COMMUNE_MOVES = {State.DRAFT: (State.SUBMITTED,), State.CORRECTIONS: (State.SUBMITTED,)}
    INSTRUCTOR_MOVES = {
        State.SUBMITTED: (State.IN_INSTRUCTION, State.WITHOUT_FOLLOW_UP),
        State.IN_INSTRUCTION: (State.CORRECTIONS, State.ACCEPTED, State.REFUSED, State.WITHOUT_FOLLOW_UP),
        State.ACCEPTED: (State.IN_INSTRUCTION,),
        State.REFUSED: (State.IN_INSTRUCTION,),
        State.WITHOUT_FOLLOW_UP: (State.IN_INSTRUCTION,),
    }
    DECISIONS = (State.ACCEPTED, State.REFUSED, State.WITHOUT_FOLLOW_UP)
    # Moves that need a written reason: a correction request, a refusal, a dismissal and reopening a decision.
    REASON_REQUIRED = (State.CORRECTIONS, State.REFUSED, State.WITHOUT_FOLLOW_UP)
    MANDATORY = {
        "project": "projet",
        "estimated_cost": "coût estimé",
        "contact_name": "nom du contact",
        "contact_email": "courriel du contact",
    }

    campaign = models.ForeignKey(Campaign, verbose_name="appel", on_delete=models.PROTECT, related_name="applications")
    commune = models.ForeignKey(
        "territories.Territory", verbose_name="commune", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("état", max_length=20, choices=State.choices, default=State.DRAFT)
    schools = models.ManyToManyField(
        "schools.School",
        verbose_name="écoles concernées",
        blank=True,
        related_name="+",
        through="ApplicationSchool",
    )
    project = models.TextField("projet", blank=True)
    estimated_cost = models.PositiveIntegerField("coût estimé (euros)", null=True, blank=True)
    cofunding = models.PositiveIntegerField("cofinancement (euros)", null=True, blank=True)
    contact_name = models.CharField("nom du contact", max_length=200, blank=True)
    contact_email = models.EmailField("courriel du contact", blank=True)
    deliberation = models.FileField(
        "délibération du conseil municipal", upload_to="ami/deliberations/%Y/", blank=True, max_length=255
    )
    decision_reason = models.TextField("motif de la décision du comité", blank=True)
    waiting_rank = models.PositiveSmallIntegerField("rang sur la liste d'attente", null=True, blank=True)
    rules_version = models.PositiveIntegerField("version des règles au dépôt", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    submitted_at = models.DateTimeField("déposé le", null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "candidature"
        constraints = [models.UniqueConstraint(fields=["campaign", "commune"], name="ami_application_unique")]

    def __str__(self):
        return f"{self.commune} — {self.campaign}"

    def clean(self):
        if self.commune_id and self.commune.level != Level.COMMUNE:
            raise ValidationError({"commune": "Une candidature est déposée par une commune."})
        if self.commune_id and self.campaign_id:
            inside = Territory.objects.filter(self.campaign.territory.inside(), pk=self.commune_id).exists()
            if not inside:
                where = self.campaign.territory.name
                raise ValidationError(
                    {"commune": f"{self.commune.name} n'est pas dans le territoire de l'appel ({where})."}
                )

    def missing_fields(self):
        """The labels of the mandatory fields left empty (écoles included)."""
        missing = [label for name, label in self.MANDATORY.items() if getattr(self, name) in (None, "")]
        if self.pk is None or not self.schools.exists():
            missing.append("écoles concernées")
        return missing

    def allowed_moves(self, user):
        """The states the user may move the dossier to (edhub/accounts/permissions.py)."""
        return permissions.allowed_moves(user, self)

    @transaction.atomic
    def move(self, to, user, reason="", today=None):
        """Change the state, checking who may and whether the dossier is ready; log who, when and why."""
        to = self.State(to)
        if to not in self.allowed_moves(user):
            raise PermissionDenied(
                f"Passage de « {self.get_state_display()} » à « {to.label} » non autorisé pour ce compte."
            )
        reason = reason.strip()
        reopening = self.state in self.DECISIONS and to == self.State.IN_INSTRUCTION
        if (to in self.REASON_REQUIRED or reopening) and not reason:
            raise ValidationError("Un motif écrit est obligatoire pour ce changement d'état.")
        if to == self.State.SUBMITTED:
            self._check_submittable(today or timezone.localdate())
            self.submitted_at = timezone.now()
            self.rules_version = self.campaign.version
        event = ApplicationEvent(application=self, from_state=self.state, to_state=to, user=user, reason=reason)
        self.state = to
        self.save()
        event.save()
        return event

    def deposit_refusal(self, today):
        """Why the dossier may not be deposited `today`, whatever its fields ("" when it may): a first deposit only
        while the call is open (a dossier sent back for corrections may come back after the closing date, the
        instruction waits for it), and only for a commune that the call's rules make eligible."""
        from edhub.ami.eligibility import ineligibility  # it reads the follow-up, which imports these models

        campaign = self.campaign
        correcting = self.state == self.State.CORRECTIONS
        if not correcting and (
            campaign.status != Campaign.Status.OPEN or not campaign.opens_on <= today <= campaign.closes_on
        ):
            return (
                f"Les candidatures sont reçues du {campaign.opens_on:%d/%m/%Y} au {campaign.closes_on:%d/%m/%Y}, "
                "appel ouvert."
            )
        return ineligibility(campaign, self.commune)

    def _check_submittable(self, today):
        self.clean()
        refusal = self.deposit_refusal(today)
        if refusal:
            raise ValidationError(refusal)
        missing = self.missing_fields()
        if missing:
            raise ValidationError(f"Dossier incomplet, à renseigner : {', '.join(missing)}.")


class ApplicationEvent(models.Model):
    """One change of state of a dossier: who, when, from what to what, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField("état de départ", max_length=20, choices=Application.State.choices)
    to_state = models.CharField("nouvel état", max_length=20, choices=Application.State.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("le", default=timezone.now)
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "changement d'état"
        ordering = ["application", "at", "id"]

    def __str__(self):
        return f"{self.application} : {self.from_state} → {self.to_state}"


class ApplicationSchool(models.Model):
    """A school concerned by a dossier: its connection when the commune applied (pre-filled from the latest
    local declaration), then, for a laureate, the follow-up of its works until it is connected."""

    class Works(models.TextChoices):
        PLANNED = "planned", "Travaux prévus"
        WORKS = "works", "Travaux en cours"
        CONNECTED = "connected", "Connectée"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="concerned")
    school = models.ForeignKey("schools.School", verbose_name="école", on_delete=models.PROTECT, related_name="+")
    technology = models.CharField("connexion actuelle", max_length=10, choices=Technology.choices, blank=True)
    download_mbps = models.FloatField("débit descendant mesuré (Mbit/s)", null=True, blank=True)
    works = models.CharField("suivi des travaux", max_length=10, choices=Works.choices, blank=True)
    works_updated_at = models.DateTimeField("suivi mis à jour le", null=True, blank=True)
    connected_on = models.DateField("connectée le", null=True, blank=True)
    connected_technology = models.CharField("connexion obtenue", max_length=10, choices=Technology.choices, blank=True)
    connected_mbps = models.FloatField("débit mesuré après travaux (Mbit/s)", null=True, blank=True)

    class Meta:
        verbose_name = "école concernée"
        verbose_name_plural = "écoles concernées"
        ordering = ["application", "school__uai"]
        constraints = [models.UniqueConstraint(fields=["application", "school"], name="ami_application_school_unique")]

    def __str__(self):
        return f"{self.school} ({self.application})"


class ApplicationNote(models.Model):
    """A private annotation of an instructor on a dossier: never shown to the commune."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("le", default=timezone.now)
    text = models.TextField("annotation")

    class Meta:
        verbose_name = "annotation privée"
        verbose_name_plural = "annotations privées"
        ordering = ["application", "at", "id"]

    def __str__(self):
        return f"{self.application} : annotation du {self.at:%d/%m/%Y}"


class Score(models.Model):
    """The points a scorer gives a dossier on a manual criterion of the grid (0 to the criterion's weight).
    Automatic criteria are computed from data, not entered."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name="critère", on_delete=models.CASCADE, related_name="scores")
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="évaluateur", on_delete=models.PROTECT, related_name="+"
    )
    points = models.FloatField("points")
    comment = models.TextField("commentaire", blank=True)
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "note"
        ordering = ["application", "criterion__position", "scorer_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion", "scorer"], name="ami_score_unique"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="ami_score_points_positive"),
        ]

    def __str__(self):
        return f"{self.application} — {self.criterion.code} : {self.points}"

    def clean(self):
        if self.criterion_id and self.points is not None:
            if self.criterion.automatic:
                raise ValidationError({"criterion": "Ce critère est calculé à partir des données."})
            if not 0 <= self.points <= self.criterion.weight:
                raise ValidationError({"points": f"Entre 0 et {self.criterion.weight} points."})
