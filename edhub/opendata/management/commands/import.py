from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from edhub.opendata.cache import cached_files
from edhub.opendata.importing import run_import
from edhub.opendata.reader import RefusedFile
from edhub.opendata.report import rejection_lines, summary, warning_lines, write_report
from edhub.opendata.sources import SOURCES
from edhub.opendata.values import departement_code


class Command(BaseCommand):
    # A data command starts without the site's system checks (URLs, views, templates: `edhub check` runs them).
    requires_system_checks = []
    help = "Importe un fichier de données ouvertes (ou, avec --all, tous les fichiers du cache)."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="Source : " + ", ".join(SOURCES))
        parser.add_argument("path", nargs="?", help="Fichier à importer (CSV, JSON ou XLSX).")
        parser.add_argument(
            "--report",
            help="Écrire le rapport (rejets et avertissements) dans ce fichier (.csv ou .json).",
        )
        parser.add_argument("--force", action="store_true", help="Réimporter même si ce fichier l'a déjà été.")
        parser.add_argument(
            "--complete",
            nargs="?",
            const=True,
            metavar="DÉPARTEMENTS",
            help=(
                "Annuaire seulement : le fichier décrit en entier les départements qu'il couvre (ou ceux donnés, "
                "--complete 94,2A) ; leurs écoles absentes du fichier sont marquées fermées. Sans cette option, "
                "aucune école n'est fermée. Le fichier national téléchargé par « edhub fetch » (--all) est complet."
            ),
        )
        parser.add_argument("--all", action="store_true", help="Importer tous les fichiers présents dans le cache.")
        parser.add_argument("--dir", default=None, help="Dossier du cache (défaut : var/opendata).")

    def handle(self, *args, source=None, path=None, report=None, force=False, complete=None, **options):
        if options["all"]:
            folder = Path(options["dir"] or settings.OPENDATA_CACHE_DIR)
            found = cached_files(folder)
            if not found:
                self.stdout.write(f"Aucun fichier de données dans {folder} : lancez « edhub fetch » d'abord.")
                return
            refused = [
                slug
                for slug, file in found.items()
                # `edhub fetch` downloads the national files: the directory describes every département.
                if not self.import_one(
                    SOURCES[slug], file, None, force, options["verbosity"], fail=False, complete=slug == "annuaire"
                )
            ]
            if refused:
                raise CommandError(f"Fichiers refusés (voir ci-dessus) : {', '.join(refused)}.")
            return
        if source not in SOURCES:
            raise CommandError(f"Source inconnue « {source} ». Sources possibles : {', '.join(SOURCES)}.")
        if not path:
            raise CommandError("Indiquez le fichier à importer : edhub import SOURCE FICHIER")
        if complete is not None and source != "annuaire":
            raise CommandError("--complete ne vaut que pour l'annuaire : seul l'annuaire ferme des écoles.")
        complete = _departements(complete) if isinstance(complete, str) else complete
        self.import_one(SOURCES[source], Path(path), report, force, options["verbosity"], fail=True, complete=complete)

    def import_one(self, source, path, report, force, verbosity, fail, complete=None):
        """Import one file; False when it is refused (raised as a CommandError, exit status 1, when `fail`)."""
        total = _count_lines(path)
        with tqdm(total=total, desc=f"{source.slug}", unit=" lignes", disable=verbosity < 1) as bar:
            try:
                outcome = run_import(source, path, force=force, progress=bar.update, complete=complete)
            except RefusedFile as refusal:
                message = f"{source.title} — fichier refusé, rien n'a été importé : {refusal}"
                run = getattr(refusal, "run", None)
                if report and run is not None:
                    write_report(run, report)
                    message += f" Rapport écrit dans {report}."
                if fail:
                    raise CommandError(message) from refusal
                self.stderr.write(message)
                return False
        if outcome.skipped:
            run = outcome.skipped_by
            self.stdout.write(
                f"{source.title} : « {path.name} » déjà importé (import n° {run.pk}, même empreinte SHA-256) : "
                "rien à faire."
            )
            return True
        run = outcome.run
        self.stdout.write(self.style.SUCCESS(f"{source.title} : {summary(run)}"))
        if run.scope_label:
            self.stdout.write(f"Territoires décrits : {run.scope_label}.")
        if run.message:
            self.stdout.write(run.message)
        if run.rejections:
            self.stdout.write("Lignes rejetées :")
        for line in rejection_lines(run):
            self.stdout.write(line)
        if run.warnings:
            self.stdout.write("Avertissements (ligne gardée, valeur laissée vide ou réparée) :")
        for line in warning_lines(run):
            self.stdout.write(line)
        if report:
            write_report(run, report)
            self.stdout.write(f"Rapport écrit dans {report}.")
        return True


def _departements(text):
    """'94,2A' or 'departement:94' -> {'94', '2A'}."""
    codes = {departement_code(code.strip().removeprefix("departement:")) for code in text.split(",") if code.strip()}
    if not codes:
        raise CommandError("--complete : indiquez les codes des départements (ex. --complete 94,2A) ou rien.")
    return codes


def _count_lines(path):
    try:
        with open(path, "rb") as handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None
