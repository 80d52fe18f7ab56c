import json

from django.core.management.base import BaseCommand

from edhub.opendata.importing import mark_interrupted
from edhub.opendata.status import loaded_status
from edhub.territories.models import Level


class Command(BaseCommand):
    # A data command starts without the site's system checks (URLs, views, templates: `edhub check` runs them).
    requires_system_checks = []
    help = "Ce qui est chargé : territoires par niveau, écoles, et dernier import de chaque source."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour les scripts).")

    def handle(self, *args, **options):
        mark_interrupted()
        status = loaded_status()
        if options["json"]:
            self.stdout.write(json.dumps(status, ensure_ascii=False, indent=2))
            return
        self.stdout.write("Territoires :")
        for level in Level:
            self.stdout.write(f"  {level.label:<28} {status['territories'][level.value]:>7}")
        schools = status["schools"]
        self.stdout.write(
            f"Écoles et établissements : {schools['total']} ({schools['with_coordinates']} géolocalisés)"
        )
        self.stdout.write("Sources :")
        for source in status["sources"]:
            if source["loaded"]:
                self.stdout.write(
                    f"  ✓ {source['title']} — millésime {source['vintage'] or 'inconnu'}, importé le "
                    f"{source['imported_at']}, {source['rows_read']} lignes ({source['rows_rejected']} rejetées, "
                    f"{source['rows_warned']} avec avertissement, {source['rows_out_of_scope']} hors champ), "
                    + (f"{source['scope']}, " if source["scope"] else "")
                    + f"sha256 {source['checksum'][:12]}…"
                )
            else:
                self.stdout.write(f"  ✗ {source['title']} — non chargé (edhub fetch {source['source']})")
        if status["last_import"]:
            last = status["last_import"]
            self.stdout.write(
                f"Dernier import : {last['source']} ({last['file']}), {last['status']}, {last['started_at']}"
                + (f" — {last['message']}" if last["status"] != "success" and last["message"] else "")
            )
