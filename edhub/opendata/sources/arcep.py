"""Arcep broadband data per commune: "Ma connexion internet" speed classes, and the 2018 FttH observatory."""

import functools
import re
from collections import defaultdict

from edhub.opendata import values
from edhub.opendata.figures import upsert_figures
from edhub.opendata.reader import Schema
from edhub.opendata.sources.base import FirstLines, Rejected, Source, commune_of, file_date, parse
from edhub.territories.models import TerritoryFigure
from edhub.territories.resolver import CommuneResolver

# Premises eligible to at least N Mbit/s (wired), cumulative.
SPEED_VARIABLES = ("locaux_ge_3", "locaux_ge_8", "locaux_ge_30", "locaux_ge_100", "locaux_ge_1000")


class CommuneFiguresSource(Source):
    """A file of one row per commune: codes of earlier years resolve to today's commune and are summed into it."""

    producer = "Arcep"
    # variable -> how rows merged into one commune combine ("sum" or "max").
    combine = {}

    def load(self, table, context):
        communes = CommuneResolver()
        seen = FirstLines()
        totals = defaultdict(dict)
        periods = set()
        for line, row in self.rows(table, context):
            try:
                code, territory_id = commune_of(row, communes)
                period, figures = self.figures(row, table)
                seen.claim(code, line, "commune", "commune")
            except Rejected as rejected:
                context.reject(line, self.column(rejected.column), rejected.value, rejected.reason)
                continue
            periods.add(period)
            merged = totals[territory_id, period]
            for variable, value in figures.items():
                if value is None:
                    continue
                before = merged.get(variable)
                if before is None:
                    merged[variable] = value
                elif self.combine.get(variable, "sum") == "max":
                    merged[variable] = max(before, value)
                else:
                    merged[variable] = before + value
        figures = {
            (territory_id, variable, period): {"value": float(value)}
            for (territory_id, period), merged in totals.items()
            for variable, value in merged.items()
        }
        created, updated, unchanged = upsert_figures(TerritoryFigure, "territory", "period", figures, context.run)
        context.run.rows_created, context.run.rows_updated, context.run.rows_unchanged = created, updated, unchanged
        context.run.vintage = ", ".join(sorted(periods)) or file_date(context.path)


class ArcepDebitSource(CommuneFiguresSource):
    slug = "arcep-debit"
    title = "Arcep – Ma connexion internet : débits par commune"
    dataset_url = "https://www.data.gouv.fr/fr/datasets/ma-connexion-internet/"
    download_url = "https://data.arcep.fr/fixe/maconnexioninternet/statistiques/last/commune/commune_debit_filaire.csv"
    file_name = "commune_debit_filaire.csv"
    file_patterns = ("commune_debit_filaire*.csv", "arcep-mci-commune-debit*.csv")
    schema = Schema(
        title="Arcep Ma connexion internet, statistiques de débit par commune (commune_debit_filaire.csv)",
        columns={
            "commune": ("code_insee",),
            "nbr": ("nbr",),
            "inel_hd": ("inel_hd",),
            "elig_hd05": ("elig_hd05",),
            "elig_hd3": ("elig_hd3",),
            "elig_hd8": ("elig_hd8",),  # 2019 beta: exclusive classes
            "elig_bhd8": ("elig_bhd8",),  # current files: cumulative thresholds
            "elig_thd30": ("elig_thd30",),
            "elig_thd100": ("elig_thd100",),
            "elig_thd1g": ("elig_thd1g",),
            "date": ("date",),
        },
        required=("commune", "nbr", "elig_hd3", "elig_thd30", "elig_thd100", "elig_thd1g", "date"),
    )

    def figures(self, row, table):
        counts = {
            name: parse(row, name, values.count)
            for name in self.schema.columns
            if name not in ("commune", "date")
            if name in row
        }
        if counts["nbr"] is None:
            raise Rejected("nbr", row["nbr"], "nombre de locaux manquant")
        date = parse(row, "date", values.date)
        if date is None:
            raise Rejected("date", row["date"], "date manquante")
        c = {k: v or 0 for k, v in counts.items()}
        if "elig_hd8" in table.mapping:
            # Exclusive classes: each premise is counted once, in its best class; they sum to nbr.
            total = c["inel_hd"] + c["elig_hd05"] + c["elig_hd3"] + c["elig_hd8"] + c["elig_thd30"]
            total += c["elig_thd100"] + c["elig_thd1g"]
            if total != c["nbr"]:
                raise Rejected("nbr", row["nbr"], f"classes de débit incohérentes : leur somme fait {total}")
            ge_1000 = c["elig_thd1g"]
            ge_100 = ge_1000 + c["elig_thd100"]
            ge_30 = ge_100 + c["elig_thd30"]
            ge_8 = ge_30 + c["elig_hd8"]
            ge_3 = ge_8 + c["elig_hd3"]
        else:
            ge_3, ge_8, ge_30, ge_100, ge_1000 = (
                c["elig_hd3"],
                c.get("elig_bhd8", 0),
                c["elig_thd30"],
                c["elig_thd100"],
                c["elig_thd1g"],
            )
            if not c["nbr"] >= ge_3 >= ge_8 >= ge_30 >= ge_100 >= ge_1000:
                raise Rejected("nbr", row["nbr"], "seuils de débit cumulés incohérents (non décroissants)")
        return date.isoformat(), dict(
            zip(("locaux", *SPEED_VARIABLES), (c["nbr"], ge_3, ge_8, ge_30, ge_100, ge_1000), strict=True)
        )


class ArcepCommunesSource(CommuneFiguresSource):
    slug = "arcep-communes"
    title = "Arcep – Observatoire du haut et très haut débit : informations par commune"
    dataset_url = "https://www.data.gouv.fr/fr/datasets/le-marche-du-haut-et-tres-haut-debit-fixe-deploiements/"
    download_url = "https://www.arcep.fr/fileadmin/cru-1583742938/reprise/observatoire/hd-thd/2018/T1/communes.csv"
    file_name = "arcep-communes.csv"
    file_patterns = ("arcep-communes*.csv",)
    combine = {
        "commune_rurale": "max",
        "commune_montagne": "max",
        "zone_tres_dense": "max",
        "engagement_l33_13": "max",
    }
    schema = Schema(
        title="Arcep, observatoire HD/THD : informations à l'échelle de la commune",
        columns={
            "commune": ("Code commune",),
            "logements": ("Logements",),
            "etablissements": ("Établissements",),
            "zone_tres_dense": ("Zones très denses",),
            "engagement_l33_13": ("Engagements L. 33-13",),
            "commune_rurale": ("Commune rurale",),
            "commune_montagne": ("Commune de montagne",),
        },
        required=("commune", "logements", "etablissements", "commune_rurale"),
    )

    def figures(self, row, table):
        figures = {name: parse(row, name, values.count) for name in ("logements", "etablissements")}
        for name in ("zone_tres_dense", "engagement_l33_13", "commune_rurale", "commune_montagne"):
            if name in row:
                figures[name] = int(values.marked(row[name]))
        return self.period(tuple(table.header)), figures

    @staticmethod
    @functools.cache
    def period(header):
        for cell in header:
            match = re.search(r"(20\d\d)\s*(T\d)?", cell)
            if match:
                return match.group(1)
        return "2018"
