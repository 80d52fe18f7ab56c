"""Indices de position sociale (DEPP) of écoles, collèges and lycées, every published header."""

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.opendata.sources.base import (
    Communes,
    FirstLines,
    Rejected,
    Source,
    commune_of,
    ecole_kind,
    lenient,
    parse,
    sector_of_label,
    uai_of,
)
from edhub.schools.models import Kind, SchoolFigure, Variable
from edhub.schools.writer import SchoolWriter

IPS_RANGE = (30.0, 200.0)
MAX_PUPILS = 10_000  # of one école, collège or lycée (the largest lycées have about 4,000)
LYCEE_KINDS = {"LEGT": Kind.LYCEE_GT, "LGT": Kind.LYCEE_GT, "LP": Kind.LYCEE_PRO, "LPO": Kind.LYCEE_POLYVALENT}
COMMON_COLUMNS = {
    "rentree": ("Rentrée scolaire", "rentree_scolaire"),
    "uai": ("UAI",),
    "name": ("Nom de l'établissement", "Nom de l'établissment", "nom_de_l_etablissment", "nom_de_l_etablissement"),
    "commune": ("Code INSEE de la commune", "code_insee_de_la_commune"),
    "sector": ("Secteur",),
}


class IpsSource(Source):
    producer = "DEPP, ministère de l'Éducation nationale"

    def __init__(self, slug, title, dataset, kind, value_columns, required=(), excluded=()):
        self.slug = slug
        self.title = title
        self.kind = kind
        self.dataset_url = f"https://data.education.gouv.fr/explore/dataset/{dataset}/"
        self.download_url = (
            f"https://data.education.gouv.fr/api/explore/v2.1/catalog/datasets/{dataset}/exports/csv"
            "?delimiter=%3B&use_labels=true"
        )
        self.file_name = f"{dataset}.csv"
        self.file_patterns = (f"fr-en-ips*{kind_pattern(kind)}*.csv",)
        columns = {**COMMON_COLUMNS, **value_columns, "type": ("type_de_lycee", "Type de lycée")}
        self.schema = Schema(
            title=title, columns=columns, required=("rentree", "uai", "commune", "ips", *required), excluded=excluded
        )

    def load(self, table, context):
        writer = SchoolWriter(context)
        communes = Communes()
        seen = FirstLines()
        rentrees = set()
        columns = self.value_columns(table)
        for line, row in self.rows(table, context):
            warnings = []
            try:
                uai = uai_of(row, warnings)
                rentree = parse(row, "rentree", values.rentree)
                commune_code, commune_id = commune_of(row, communes, warnings)
                seen.claim((uai, rentree), line, "uai", "UAI pour cette rentrée")
            except Rejected as rejected:
                self.reject(context, line, rejected)
                continue
            figures = self.figures(row, warnings, columns)
            if warnings:
                self.warn(context, line, warnings)
            context.cover(commune_id, uai)
            rentrees.add(rentree)
            name = row.get("name", "")
            if self.kind == Kind.ECOLE_PRIMAIRE:
                kind = ecole_kind(name)
            elif self.kind == Kind.LYCEE:
                kind = LYCEE_KINDS.get(row.get("type", "").upper(), Kind.LYCEE)
            else:
                kind = self.kind
            writer.describe(
                uai,
                name=name or uai,
                kind=kind,
                sector=sector_of_label(row.get("sector", "")),
                commune_id=commune_id,
                commune_code=commune_code,
            )
            for variable, (value, status) in figures.items():
                writer.figure(uai, variable, rentree, value, status)
        writer.save()
        # The vintage is the rentrée the file gives (« Rentrée scolaire »).
        context.run.vintage = values.school_years(rentrees)

    def value_columns(self, table):
        """(column, variable, plausible range) of the IPS columns the file has."""
        return [
            (name, variable, (0.0, 100.0) if name == "ips_std" else IPS_RANGE)
            for name, variable in (
                ("ips", Variable.IPS),
                ("ips_std", Variable.IPS_STD),
                ("ips_gt", Variable.IPS_GT),
                ("ips_pro", Variable.IPS_PRO),
            )
            if name in table.mapping
        ]

    def figures(self, row, warnings, columns):
        """{variable: (value, status)} for the IPS columns present in the row; a bad value is left out."""
        result = {}
        for name, variable, (low, high) in columns:
            raw = row[name]
            if raw.strip() == "":
                if name == "ips":
                    warnings.append((name, raw, "IPS manquant (valeur ou NS attendue) ; champ laissé vide"))
                continue
            value = lenient(row, name, values.number, warnings, allow_ns=True)
            if value is None:
                if raw.strip().upper() in values.NS_VALUES:
                    result[variable] = (None, SchoolFigure.Status.NS)
                continue
            if not low <= value <= high:
                warnings.append(
                    (name, raw, f"valeur hors de la plage plausible ({low:g} à {high:g}) ; champ laissé vide")
                )
                continue
            result[variable] = (value, SchoolFigure.Status.OK)
        pupils = lenient(row, "pupils", values.count, warnings, high=MAX_PUPILS) if "pupils" in row else None
        if pupils is not None:
            result[Variable.PUPILS] = (float(pupils), SchoolFigure.Status.OK)
        return result


def kind_pattern(kind):
    return {Kind.ECOLE_PRIMAIRE: "ecoles", Kind.COLLEGE: "colleges", Kind.LYCEE: "lycees"}[kind]


IPS_ECOLES = IpsSource(
    "ips-ecoles",
    "Indice de position sociale des écoles",
    "fr-en-ips-ecoles-ap2022",
    Kind.ECOLE_PRIMAIRE,
    {"ips": ("IPS",)},
    # The collèges' and lycées' files also have a column « IPS »: these columns tell them apart.
    excluded=("Ecart-type de l'IPS", "ecart_type_de_l_ips", "type_de_lycee", "Type de lycée"),
)
IPS_COLLEGES = IpsSource(
    "ips-colleges",
    "Indice de position sociale des collèges",
    "fr-en-ips-colleges-ap2023",
    Kind.COLLEGE,
    {"ips": ("IPS",), "ips_std": ("Ecart-type de l'IPS", "ecart_type_de_l_ips"), "pupils": ("Effectifs",)},
    required=("ips_std",),
)
IPS_LYCEES = IpsSource(
    "ips-lycees",
    "Indice de position sociale des lycées",
    "fr-en-ips-lycees-ap2022",
    Kind.LYCEE,
    {
        "ips": ("ips_ensemble_gt_pro", "ips_etab", "IPS Ensemble GT-PRO", "IPS établissement"),
        "ips_gt": ("ips_voie_gt", "IPS voie GT"),
        "ips_pro": ("ips_voie_pro", "IPS voie PRO"),
    },
)
