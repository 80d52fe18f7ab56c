from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edhub.opendata.geography import load_geography
from edhub.territories.geography import GeographyMissing


class Command(BaseCommand):
    # A data command starts without the site's system checks (URLs, views, templates: `edhub check` runs them).
    requires_system_checks = []
    help = "Prépare la base : migrations puis géographie de référence (idempotent : ne refait rien d'inutile)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Recharger la géographie même si elle est à jour.")

    def handle(self, *args, force=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = load_geography(force=force, progress=options["verbosity"] > 0)
        except GeographyMissing as error:
            raise CommandError(str(error)) from error
        if result.skipped:
            loaded = timezone.localtime(result.run.finished_at)
            self.stdout.write(f"Géographie de référence déjà à jour (chargée le {loaded:%d/%m/%Y à %H:%M}).")
            return
        counts = ", ".join(f"{count} {level}" for level, count in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Géographie de référence chargée en {result.run.duration:.1f} s : {counts}.")
        )
