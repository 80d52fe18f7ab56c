"""Arcep broadband data per commune: "Ma connexion internet" speed classes, and the 2018 FttH observatory."""

import datetime
import functools
import re

from edhub.opendata import values
from edhub.opendata.reader import RefusedFile, Schema
from edhub.opendata.sources.base import Communes, FirstLines, Rejected, Source, commune_of, parse
from edhub.territories.models import TerritoryFigure
from edhub.utils.bulk import upsert_figures

count, marked = values.count, values.marked
# A file gives the same date on every row: written once.
iso_date = functools.lru_cache(maxsize=64)(datetime.date.isoformat)
# Premises eligible to at least N Mbit/s (wired), cumulative.
SPEED_VARIABLES = ("locaux_ge_3", "locaux_ge_8", "locaux_ge_30", "locaux_ge_100", "locaux_ge_1000")
UNKNOWN = dict.fromkeys(SPEED_VARIABLES)  # the speeds of a commune whose classes are unreadable


class CommuneFiguresSource(Source):
    """A file of one row per commune: codes of earlier years resolve to today's commune and are summed into it."""

    producer = "Arcep"
    # variable -> how rows merged into one commune combine ("sum" or "max").
    combine = {}

    def load(self, table, context):
        communes = Communes()
        seen = FirstLines()
        totals = {}
        periods = set()
        layout = self.layout(table)
        for line, row in self.rows(table, context):
            warnings = []
            try:
                code, territory_id = commune_of(row, communes, warnings)
                period = self.period(row, layout)
                seen.claim(code, line, "commune", "commune")
            except Rejected as rejected:
                self.reject(context, line, rejected)
                continue
            figures = self.figures(row, layout, warnings)
            if warnings:
                self.warn(context, line, warnings)
            context.cover(territory_id)
            periods.add(period)
            merged = totals.get((territory_id, period))
            if merged is None:  # most communes have one row
                totals[territory_id, period] = figures
                continue
            for variable, value in figures.items():
                # A value left empty (None) makes the sum of a merged commune unknown too.
                if variable in merged and (merged[variable] is None or value is None):
                    merged[variable] = None
                elif variable not in merged:
                    merged[variable] = value
                elif self.combine.get(variable, "sum") == "max":
                    merged[variable] = max(merged[variable], value)
                else:
                    merged[variable] = merged[variable] + value
        # In the order of their key, as they are written: the communes sorted, then each one's variables in the
        # order of their names, sorted once (every row of a file gives the same ones).
        variables = sorted(set().union(*totals.values()))
        figures = {}
        for (territory_id, period), merged in sorted(totals.items()):
            get = merged.get
            for variable in variables:
                value = get(variable)  # None: left empty, or not given for this commune
                if value is not None:
                    figures[territory_id, variable, period] = (float(value),)
        created, updated, unchanged = upsert_figures(
            TerritoryFigure, "territory", "period", ("value",), figures, context.run, periods=periods
        )
        context.run.rows_created, context.run.rows_updated, context.run.rows_unchanged = created, updated, unchanged
        context.run.vintage = self.vintage(periods, table)

    def layout(self, table):
        """What the rows' reading needs to know of the file's header, found once (given to `period`, `figures`)."""
        return table

    def vintage(self, periods, table):
        return ", ".join(sorted(periods))


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

    def period(self, row, layout):
        """The date the file gives on each row (the figures' period)."""
        date = parse(row, "date", values.date)
        if date is None:
            raise Rejected("date", row["date"], "date manquante")
        return iso_date(date)

    def layout(self, table):
        """(the columns of counts the file has, whether its speed classes are exclusive: the 2019 beta)"""
        counts = tuple(
            name for name in self.schema.columns if name in table.mapping and name not in ("commune", "date")
        )
        return counts, "elig_hd8" in table.mapping

    def figures(self, row, layout, warnings):
        """Premises and cumulative speed thresholds; the thresholds are left empty when a class is unreadable, and
        the premises too when the classes do not add up (which of them is wrong is unknown)."""
        before = len(warnings)
        columns, exclusive = layout
        counts = {}
        for name in columns:  # lenient(), without a call a cell
            raw = row[name]
            try:
                counts[name] = count(raw)
            except ValueError as error:
                warnings.append((name, raw, f"{error} ; champ laissé vide"))
                counts[name] = None
        locaux = counts["nbr"]
        if locaux is None and row["nbr"].strip() == "":
            warnings.append(("nbr", "", "nombre de locaux manquant ; champ laissé vide"))
        if len(warnings) > before and any(name != "nbr" for name, _, _ in warnings[before:]):
            return {"locaux": locaux, **UNKNOWN}
        c = {k: v or 0 for k, v in counts.items()}
        if exclusive:
            # Exclusive classes: each premise is counted once, in its best class; they sum to nbr.
            total = c.get("inel_hd", 0) + c.get("elig_hd05", 0) + c["elig_hd3"] + c["elig_hd8"] + c["elig_thd30"]
            total += c["elig_thd100"] + c["elig_thd1g"]
            if locaux is not None and total != locaux:
                reason = f"classes de débit incohérentes : leur somme fait {total} ; locaux et débits laissés vides"
                warnings.append(("nbr", row["nbr"], reason))
                return {"locaux": None, **UNKNOWN}
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
            if not (locaux if locaux is not None else ge_3) >= ge_3 >= ge_8 >= ge_30 >= ge_100 >= ge_1000:
                reason = "seuils de débit cumulés incohérents (non décroissants) ; locaux et débits laissés vides"
                warnings.append(("nbr", row["nbr"], reason))
                return {"locaux": None, **UNKNOWN}
        return {
            "locaux": locaux,
            "locaux_ge_3": ge_3,
            "locaux_ge_8": ge_8,
            "locaux_ge_30": ge_30,
            "locaux_ge_100": ge_100,
            "locaux_ge_1000": ge_1000,
        }


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

    def figures(self, row, layout, warnings):
        header, flags = layout
        figures = {}
        for name in ("logements", "etablissements"):  # lenient(), without a call a cell
            raw = row[name]
            try:
                figures[name] = count(raw)
            except ValueError as error:
                warnings.append((name, raw, f"{error} ; champ laissé vide"))
                figures[name] = None
        for name in flags:
            figures[name] = int(marked(row[name]))
        return figures

    def layout(self, table):
        """(the header, which names the quarter; the columns of flags the file has)"""
        flags = ("zone_tres_dense", "engagement_l33_13", "commune_rurale", "commune_montagne")
        return tuple(table.header), tuple(name for name in flags if name in table.mapping)

    def period(self, row, layout):
        return self.quarter(layout[0])[0]

    def vintage(self, periods, table):
        year, quarter = self.quarter(tuple(table.header))
        return f"{year} {quarter}".strip()

    @staticmethod
    @functools.cache
    def quarter(header):
        """The year and quarter the observatory's header names (« OI 2018 T1 » -> ('2018', 'T1')): the year is
        the figures' period, both are the file's vintage."""
        for cell in header:
            match = re.search(r"(20\d\d)\s*(T\d)?", cell)
            if match:
                return match.group(1), match.group(2) or ""
        raise RefusedFile(
            "L'en-tête de l'observatoire ne dit pas son trimestre (colonne « OI AAAA Tn », ex. « OI 2018 T1 »)."
        )
