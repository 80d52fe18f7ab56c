from django.core.management.base import BaseCommand
from tqdm import tqdm

from edhub.territories import tiles
from edhub.territories.models import Level


class Command(BaseCommand):
    # A data command starts without the site's system checks (URLs, views, templates: `edhub check` runs them).
    requires_system_checks = []
    help = (
        "Découpe toutes les tuiles vectorielles des communes de la carte nationale (zooms 0 à 8) dans une archive "
        "MBTiles sous var/tiles, pour qu'aucune vue de la carte n'attende leur découpage. Idempotent : l'archive "
        "de la géographie en vigueur est gardée tant que la géographie n'est pas rechargée."
    )

    def handle(self, *args, **options):
        level = Level.COMMUNE
        version = tiles.geography_version()
        if tiles.archive_path(level, version).exists():
            self.stdout.write("Tuiles des communes déjà prêtes pour la géographie en vigueur.")
            return
        candidates = tiles.candidate_tiles(level, version)
        bar = tqdm(total=len(candidates), desc="Tuiles des communes", unit=" tuile", disable=options["verbosity"] < 1)
        with bar:
            archive, stored = tiles.build_archive(level, version, candidates, progress=bar.update)
        size = archive.stat().st_size / 1e6
        self.stdout.write(
            f"{stored} tuiles des communes prêtes (zooms 0 à {tiles.MAX_ZOOM}, {size:.1f} Mo) dans {archive.name}."
        )
