from django.core.management.base import BaseCommand, CommandError

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.engine import compute
from edhub.territories.queries import get_territory


class Command(BaseCommand):
    # A data command starts without the site's system checks (URLs, views, templates: `edhub check` runs them).
    requires_system_checks = []
    help = (
        "Calcule les indicateurs de l'observatoire à tous les niveaux, de l'école à la France. Incrémental : un "
        "indicateur dont les sources n'ont pas été réimportées depuis son dernier calcul est ignoré."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--indicator",
            action="append",
            metavar="SLUG",
            help="Ne calculer que cet indicateur (répétable). Par défaut : tout le catalogue.",
        )
        parser.add_argument(
            "--territory",
            metavar="NIVEAU:CODE",
            help=(
                "Ne recalculer que les valeurs de ce territoire, de ce qu'il contient et de ce qui le contient "
                "(ex. departement:94 ; pour un arrondissement, toute sa commune), après un changement de données "
                "limité à ce territoire."
            ),
        )
        parser.add_argument("--force", action="store_true", help="Recalculer même si les sources n'ont pas changé.")

    def handle(self, *args, indicator=None, territory=None, force=False, **options):
        unknown = sorted(set(indicator or ()) - set(CATALOGUE))
        if unknown:
            raise CommandError(
                f"Indicateur inconnu : {', '.join(unknown)}. Indicateurs possibles : {', '.join(CATALOGUE)}."
            )
        place = None
        if territory:
            level, _, code = territory.partition(":")
            place = get_territory(level, code)
            if place is None:
                raise CommandError(f"Territoire inconnu : « {territory} » (attendu niveau:code, ex. departement:94).")
        verbosity = options["verbosity"]
        outcomes = compute(indicator, territory=place, force=force, progress=verbosity > 0)
        done = [o for o in outcomes if not o.skipped]
        for outcome in done if verbosity > 1 else ():
            self.stdout.write(
                f"{outcome.slug} : {outcome.created} créées, {outcome.updated} modifiées, {outcome.deleted} "
                f"supprimées, {outcome.unchanged} inchangées ({outcome.seconds:.1f} s)"
            )
        skipped = len(outcomes) - len(done)
        scope = f" pour {place} et les territoires qui le contiennent" if place else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Indicateurs : {len(done)} calculés{scope}, {skipped} à jour (sources inchangées). Valeurs : "
                f"{sum(o.created for o in done)} créées, {sum(o.updated for o in done)} modifiées, "
                f"{sum(o.deleted for o in done)} supprimées, {sum(o.unchanged for o in done)} inchangées."
            )
        )
