"""Provenance: every imported value points to the import run that wrote it."""

from django.apps import apps
from django.db import connection, models


class ImportRunQuerySet(models.QuerySet):
    def succeeded(self):
        return self.filter(status=ImportRun.Status.SUCCESS)

    def data_version(self):
        """Changes whenever an import succeeds or indicators are computed: the key under which cached figures and
        responses stay valid.

        Asked on every API request, so written as one plain query: the ORM would cost more than the cached answer.
        """
        states = apps.get_model("indicators", "IndicatorState")._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MAX(finished_at), COUNT(*), (SELECT MAX(computed_at) FROM {states}) "
                f"FROM {ImportRun._meta.db_table} WHERE status = %s",
                [ImportRun.Status.SUCCESS],
            )
            last, count, computed = cursor.fetchone()
        return f"{last}-{count}-{computed}".replace(" ", "T") if last else "empty"

    def latest_per_source(self):
        """The last successful run of each source."""
        latest = {}
        for run in self.succeeded().defer("rejections", "warnings").order_by("source", "-finished_at"):
            latest.setdefault(run.source, run)
        return latest


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        SUCCESS = "success", "Réussi"
        REFUSED = "refused", "Fichier refusé"
        FAILED = "failed", "Échec"

    source = models.CharField(max_length=40, db_index=True)
    file_name = models.CharField("fichier", max_length=255)
    checksum = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    vintage = models.CharField("millésime", max_length=100, blank=True)
    started_at = models.DateTimeField("début", auto_now_add=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_read = models.PositiveIntegerField("lignes lues", default=0)
    rows_created = models.PositiveIntegerField("créées", default=0)
    rows_updated = models.PositiveIntegerField("modifiées", default=0)
    rows_unchanged = models.PositiveIntegerField("inchangées", default=0)
    rows_rejected = models.PositiveIntegerField("rejetées", default=0)
    rows_warned = models.PositiveIntegerField("avec avertissement", default=0)
    rows_out_of_scope = models.PositiveIntegerField("hors champ", default=0)
    # Schools a directory declared complete for their département no longer lists: marked closed.
    schools_closed = models.PositiveIntegerField("écoles fermées", default=0)
    # One entry per rejected row: {"line": 12, "column": "IPS", "value": "abc", "reason": "…"}.
    rejections = models.JSONField("lignes rejetées", default=list, blank=True)
    # One entry per value left empty in a kept row, same shape as a rejection.
    warnings = models.JSONField("avertissements", default=list, blank=True)
    # What the run described: {"label": "Val-de-Marne (94)", "departements": ["94"], "communes": 47, "schools": 613}.
    scope = models.JSONField("territoires couverts", default=dict, blank=True)
    message = models.TextField(blank=True)
    # The importing process, to tell a run still going from one whose process was killed.
    pid = models.PositiveIntegerField(null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = "import"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} {self.vintage} ({self.file_name})"

    @property
    def scope_label(self):
        """Which territories the run described, in words (« Val-de-Marne (94) : 613 écoles et établissements »)."""
        return self.scope.get("label", "")

    @property
    def duration(self):
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None
