from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from edhub.opendata.cache import copy_into_cache, matching_files
from edhub.opendata.fetch import FetchError, fetch, write_manifest_entry
from edhub.opendata.importing import file_checksum
from edhub.opendata.sources import SOURCES


class Command(BaseCommand):
    # A data command starts without the site's system checks (URLs, views, templates: `edhub check` runs them).
    requires_system_checks = []
    help = (
        "Télécharge les fichiers officiels dans le cache (var/opendata par défaut), ou les prend dans un dossier "
        "local avec --from."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", help="Sources (toutes si aucune) : " + ", ".join(SOURCES))
        parser.add_argument("--dir", default=None, help="Dossier du cache (défaut : var/opendata).")
        parser.add_argument("--from", dest="from_dir", default=None, help="Prendre les fichiers dans ce dossier.")
        parser.add_argument("--retries", type=int, default=3, help="Nombre d'essais par fichier (défaut : 3).")

    def handle(self, *args, sources=(), from_dir=None, retries=3, **options):
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            raise CommandError(f"Source inconnue : {', '.join(unknown)}. Sources possibles : {', '.join(SOURCES)}.")
        cache_dir = Path(options["dir"] or settings.OPENDATA_CACHE_DIR)
        selected = [SOURCES[s] for s in sources] if sources else list(SOURCES.values())
        failures = []
        for source in selected:
            if from_dir:
                self.take_local(source, Path(from_dir), cache_dir, explicit=bool(sources), failures=failures)
                continue
            try:
                result = fetch(source, cache_dir, retries=retries, progress=options["verbosity"] > 0)
            except FetchError as error:
                failures.append(source.slug)
                self.stderr.write(str(error))
                continue
            state = "téléchargé" if result.downloaded else "déjà à jour"
            self.stdout.write(f"{source.title} : {state} ({result.path}, sha256 {result.checksum[:12]}…)")
        if failures:
            raise CommandError(
                f"{len(failures)} source(s) non disponible(s) : {', '.join(failures)}. "
                "Les autres données restent utilisables."
            )

    def take_local(self, source, folder, cache_dir, explicit, failures):
        if not folder.is_dir():
            raise CommandError(f"Dossier introuvable : {folder}")
        files = matching_files(folder, source)
        if not files:
            if explicit:
                failures.append(source.slug)
                self.stderr.write(
                    f"{source.title} : aucun fichier de {folder} ne correspond ({', '.join(source.file_patterns)})."
                )
            return
        path, copied = copy_into_cache(files[-1], cache_dir, source.slug)
        checksum = file_checksum(path)
        write_manifest_entry(
            cache_dir,
            source.slug,
            {"url": str(files[-1].resolve()), "file": path.name, "sha256": checksum, "size": path.stat().st_size},
        )
        state = "copié dans le cache" if copied else "déjà dans le cache"
        self.stdout.write(f"{source.title} : {files[-1].name} {state} (sha256 {checksum[:12]}…)")
