"""Pupils and classes per école and rentrée (fr-en-ecoles-effectifs-nb_classes), joined on UAI."""

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.opendata.sources.base import (
    Communes,
    FirstLines,
    Rejected,
    Source,
    ecole_kind,
    lenient,
    parse,
    sector_of_label,
    uai_of,
)
from edhub.schools.models import SchoolFigure, Variable
from edhub.schools.writer import SchoolWriter

COUNT_COLUMNS = {
    "classes": Variable.CLASSES,
    "pupils": Variable.PUPILS,
    "pupils_preelementaire": Variable.PUPILS_PREELEMENTAIRE,
    "pupils_elementaire": Variable.PUPILS_ELEMENTAIRE,
    "pupils_ulis": Variable.PUPILS_ULIS,
}
# Plausible maxima for one école (the largest have about 1,000 pupils in 40 classes).
MAX_CLASSES = 100
MAX_PUPILS = 5_000


class EffectifsEcolesSource(Source):
    slug = "effectifs-ecoles"
    title = "Effectifs d'élèves et nombre de classes des écoles"
    producer = "DEPP, ministère de l'Éducation nationale"
    dataset_url = "https://data.education.gouv.fr/explore/dataset/fr-en-ecoles-effectifs-nb_classes/"
    download_url = (
        "https://data.education.gouv.fr/api/explore/v2.1/catalog/datasets/fr-en-ecoles-effectifs-nb_classes/"
        "exports/csv?delimiter=%3B&use_labels=true"
    )
    file_name = "fr-en-ecoles-effectifs-nb_classes.csv"
    file_patterns = ("fr-en-ecoles-effectifs*.csv",)
    schema = Schema(
        title="Effectifs d'élèves et nombre de classes des écoles (fr-en-ecoles-effectifs-nb_classes)",
        columns={
            "rentree": ("Rentrée scolaire", "rentree_scolaire"),
            "uai": ("Numéro de l'école", "numero_ecole"),
            "departement": ("Département", "departement"),
            "commune_name": ("Commune", "commune"),
            "denomination": ("Dénomination principale", "denomination_principale"),
            "patronyme": ("Patronyme", "patronyme"),
            "sector": ("Secteur", "secteur"),
            "rep": ("REP", "rep"),
            "rep_plus": ("REP +", "rep_plus"),
            "classes": ("Nombre total de classes", "nombre_total_classes"),
            "pupils": ("Nombre total d'élèves", "nombre_total_eleves"),
            "pupils_preelementaire": ("Nombre d'élèves en pré-élémentaire hors ULIS",),
            "pupils_elementaire": ("Nombre d'élèves en élémentaire hors ULIS",),
            "pupils_ulis": ("Nombre d'élèves en ULIS",),
            "postcode": ("Code Postal", "code_postal"),
        },
        required=("rentree", "uai", "classes", "pupils"),
    )

    def load(self, table, context):
        writer = SchoolWriter(context)
        communes = Communes()
        seen = FirstLines()
        rentrees = set()
        for line, row in self.rows(table, context):
            warnings = []
            try:
                uai = uai_of(row, warnings)
                rentree = parse(row, "rentree", values.rentree)
                seen.claim((uai, rentree), line, "uai", "UAI pour cette rentrée")
            except Rejected as rejected:
                self.reject(context, line, rejected)
                continue
            counts = {
                name: lenient(row, name, values.count, warnings, high=MAX_CLASSES if name == "classes" else MAX_PUPILS)
                for name in COUNT_COLUMNS
                if name in row
            }
            if counts.get("pupils") is None and row.get("pupils", "").strip() == "":
                warnings.append(("pupils", "", "nombre d'élèves manquant ; champ laissé vide"))
            parts = sum(counts.get(n) or 0 for n in ("pupils_preelementaire", "pupils_elementaire", "pupils_ulis"))
            if counts.get("pupils") is not None and parts and parts != counts["pupils"]:
                reason = f"total incohérent : la somme des niveaux fait {parts} ; champ laissé vide"
                warnings.append(("pupils", row["pupils"], reason))
                counts["pupils"] = None
            self.warn(context, line, warnings)
            rentrees.add(rentree)
            identity = self.identity(row, communes)
            context.cover(identity["commune_id"], uai)
            writer.describe(uai, **identity)
            for name, count in counts.items():
                if count is not None:
                    writer.figure(uai, COUNT_COLUMNS[name], rentree, float(count), SchoolFigure.Status.OK)
        writer.save()
        # The vintage is the rentrée(s) the file gives (« Rentrée scolaire »).
        context.run.vintage = values.school_years(rentrees)

    def identity(self, row, communes):
        """What this file tells of a school nobody described yet (it has no INSEE code: commune found by name)."""
        name = " ".join(p for p in (row.get("denomination", ""), row.get("patronyme", "")) if p).strip()
        sector = sector_of_label(row.get("sector", ""))
        commune_id = communes.by_name(row.get("departement", ""), row.get("commune_name", ""))
        priority = "REP+" if row.get("rep_plus") == "1" else "REP" if row.get("rep") == "1" else ""
        return {
            "name": name or row["uai"],
            "kind": ecole_kind(row.get("denomination", "")),
            "sector": sector,
            "commune_id": commune_id,
            "postcode": values.postcode(row.get("postcode", "")),
            "priority_education": priority,
        }
