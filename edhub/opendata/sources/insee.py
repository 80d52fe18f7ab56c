"""INSEE grille communale de densité (7 levels): the official rurality of every commune."""

import re
from collections import defaultdict

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.opendata.sources.base import Communes, FirstLines, Rejected, Source, commune_of, lenient
from edhub.territories.models import DENSITY_LABELS, Level, Territory


class InseeDensiteSource(Source):
    slug = "insee-densite"
    title = "INSEE – Grille communale de densité"
    producer = "INSEE"
    dataset_url = "https://www.insee.fr/fr/information/6439600"
    download_url = "https://www.insee.fr/fr/statistiques/fichier/8571524/fichier_diffusion_2025.xlsx"
    file_name = "fichier_diffusion_2025.xlsx"
    file_patterns = ("fichier_diffusion*.xlsx", "*grille*densite*.xlsx", "*grille*densite*.csv")
    schema = Schema(
        title="INSEE, grille communale de densité (fichier_diffusion)",
        columns={"commune": ("CODGEO",), "name": ("LIBGEO",), "level": ("DENS",), "label": ("LIBDENS",)},
        required=("commune", "level"),
    )

    def load(self, table, context):
        communes = Communes()
        seen = FirstLines()
        levels = defaultdict(set)
        for line, row in self.rows(table, context):
            warnings = []
            try:
                code, territory_id = commune_of(row, communes, warnings)
                seen.claim(code, line, "commune", "commune")
            except Rejected as rejected:
                self.reject(context, line, rejected)
                continue
            level = lenient(row, "level", density_level, warnings)
            self.warn(context, line, warnings)
            context.cover(territory_id)
            if level is not None:
                # A commune merged from several former ones takes the densest level among them.
                levels[territory_id].add(level)
        current = dict(Territory.objects.filter(id__in=list(levels)).values_list("id", "density_level"))
        by_level = defaultdict(list)
        for territory_id, found in levels.items():
            by_level[min(found)].append(territory_id)
            if current.get(territory_id) == min(found):
                context.run.rows_unchanged += 1
            else:
                context.run.rows_updated += 1
        for level, ids in by_level.items():
            for start in range(0, len(ids), 5000):
                Territory.objects.filter(id__in=ids[start : start + 5000]).update(
                    density_level=level, density_run=context.run
                )
        # Arrondissements municipaux share their commune's level.
        for commune_id, level in (
            Territory.objects.filter(level=Level.COMMUNE, id__in=list(levels))
            .filter(children__isnull=False)
            .values_list("id", "density_level")
            .distinct()
        ):
            Territory.objects.filter(parent_id=commune_id, level=Level.ARRONDISSEMENT).update(
                density_level=level, density_run=context.run
            )
        context.run.vintage = self.vintage(table, context.path)

    @staticmethod
    def vintage(table, path):
        """The millésime the title lines above the header give (« millésime 2025 »), else the year in the official
        file's name (fichier_diffusion_2025.xlsx), else unknown."""
        for text in table.preamble:
            match = re.search(r"mill[ée]sime\s*(20\d\d)", text, re.IGNORECASE)
            if match:
                return match.group(1)
        match = re.search(r"(20\d\d)", path.name)
        return match.group(1) if match else ""


def density_level(text):
    level = values.count(text)
    if level not in DENSITY_LABELS:
        raise ValueError("niveau de densité attendu : entier de 1 à 7")
    return level
