"""`edhub ami_eligibles`: the communes eligible to a connectivity call, ranked, optionally written as CSV."""

import csv
import time

from django.core.management.base import BaseCommand, CommandError

from edhub.ami.eligibility import NEED_LABELS, pre_identify
from edhub.ami.models import Campaign
from edhub.territories.models import Level, Territory


class Command(BaseCommand):
    help = "Pré-identifie les communes éligibles à un appel « connectivité » (par défaut : France, règles par défaut)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, help="Identifiant de l'appel (sinon : France, règles par défaut).")
        parser.add_argument("--departement", help="Code d'un département pour n'examiner que ses communes.")
        parser.add_argument("--csv", help="Écrit la liste classée dans ce fichier (`;`, UTF-8 avec BOM).")

    def handle(self, *args, campaign=None, departement=None, **options):
        if campaign is None:
            france = Territory.objects.filter(level=Level.FRANCE).first()
            if france is None:
                raise CommandError("Géographie de référence absente : lancez d'abord `edhub setup`.")
            call = Campaign(title="Règles par défaut", territory=france)
        else:
            call = Campaign.objects.select_related("territory").filter(pk=campaign).first()
            if call is None:
                raise CommandError(f"Appel {campaign} inconnu.")
        start = time.perf_counter()
        result = pre_identify(call, departement=departement)
        seconds = time.perf_counter() - start
        self.stdout.write(
            f"{len(result.eligible)} communes éligibles sur {len(result.assessments)} examinées "
            f"(Arcep {result.period or 'N.C.'}, {result.gates.speed} Mbit/s, moins de {result.gates.share:g} %"
            f"{', ruralité estimée' if result.density_estimated else ''}) en {seconds:.2f} s."
        )
        for assessment in result.eligible[:10]:
            self.stdout.write(f"  {assessment.rank:>4}. {assessment.code} {assessment.name} : {assessment.score:g}")
        if options["csv"]:
            with open(options["csv"], "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
                writer.writerow(["Rang", "Code commune", "Commune", "Département", "Score", *NEED_LABELS.values()])
                for a in result.eligible:
                    points = [str(a.components[code][0]).replace(".", ",") for code in NEED_LABELS]
                    writer.writerow(
                        [a.rank, a.code, a.name, a.departement_code, str(a.score).replace(".", ","), *points]
                    )
            self.stdout.write(f"Liste écrite dans {options['csv']}.")
