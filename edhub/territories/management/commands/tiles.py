from django.core.management.base import BaseCommand
from tqdm import tqdm

from edhub.territories import tiles
from edhub.territories.models import Level

# Mainland France and Corsica, where the national map opens.
METROPOLE = (-5.3, 41.3, 9.7, 51.2)


class Command(BaseCommand):
    help = (
        "Prépare les tuiles vectorielles des communes de la carte nationale (aux zooms où elle s'ouvre), pour que "
        "le premier visiteur n'attende pas qu'elles soient découpées. Idempotent : une tuile déjà prête est gardée."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--zooms", default="4,5", help="Zooms à préparer, séparés par des virgules (défaut : 4,5 ; au plus 8)."
        )

    def handle(self, *args, zooms, **options):
        wanted = sorted({int(z) for z in zooms.split(",") if z.strip()})
        todo = [(z, x, y) for z in wanted if 0 <= z <= tiles.MAX_ZOOM for x, y in tiles.covering(METROPOLE, z)]
        for z, x, y in tqdm(todo, desc="Tuiles des communes", unit="tuile", disable=options["verbosity"] < 1):
            tiles.compressed_tile(Level.COMMUNE, z, x, y)
        self.stdout.write(f"{len(todo)} tuiles des communes prêtes (zooms {', '.join(map(str, wanted))}).")
