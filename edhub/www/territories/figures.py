"""The key figures of a territory page: each with its value, coverage and provenance (source and vintage)."""

from django.core.cache import cache

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.coverage import is_partial, missing_reason
from edhub.opendata.models import ImportRun
from edhub.opendata.provenance import describe_run, geography_run
from edhub.territories import queries
from edhub.territories.models import Level
from edhub.www.cache import data_version
from edhub.www.templatetags.edhub import (
    NOT_COMMUNICATED,
    coverage_percent,
    fr_count,
    fr_decimal,
    fr_int,
    fr_percent,
    indicator_value,
)

CACHE_SECONDS = 24 * 3600
# Territory figures from open data (Arcep), in display order: label, and the variable a share is computed against.
TERRITORY_VARIABLES = {
    "locaux": ("Locaux (logements et établissements)", None),
    "locaux_ge_3": ("Locaux éligibles à 3 Mbit/s ou plus", "locaux"),
    "locaux_ge_8": ("Locaux éligibles à 8 Mbit/s ou plus", "locaux"),
    "locaux_ge_30": ("Locaux éligibles à 30 Mbit/s ou plus", "locaux"),
    "locaux_ge_100": ("Locaux éligibles à 100 Mbit/s ou plus", "locaux"),
    "locaux_ge_1000": ("Locaux éligibles à 1 Gbit/s ou plus", "locaux"),
    "logements": ("Logements", None),
    "etablissements": ("Établissements", None),
}
# Yes/no flags: shown as Oui/Non for a commune, as a number of communes above.
FLAG_VARIABLES = {
    "commune_rurale": "Commune rurale (Arcep)",
    "commune_montagne": "Commune de montagne",
    "zone_tres_dense": "Zone très dense",
    "engagement_l33_13": "Engagement de déploiement L. 33-13",
}
VARIABLE_ORDER = {variable: rank for rank, variable in enumerate([*TERRITORY_VARIABLES, *FLAG_VARIABLES])}
# The counts of schools among the key figures: the observatory's indicators, with their coverage.
SCHOOL_COUNTS = {
    "etablissements": "écoles, collèges et lycées",
    "ecoles": "écoles",
    "colleges": "collèges",
    "lycees": "lycées",
}
# The levels made of départements: their counts say how many of them are covered.
ABOVE_DEPARTEMENTS = (Level.FRANCE, Level.REGION_ACADEMIQUE, Level.ACADEMIE, Level.REGION)


def figure(label, value, runs=(), coverage="", partial=False):
    """A row of the key figures; `partial`: the value rests on part of what it describes (marked so)."""
    return {
        "label": label,
        "value": value,
        "coverage": coverage,
        "partial": partial,
        "sources": [describe_run(run) for run in runs if run is not None],
    }


def key_figures(territory, runs, breakdown, indicators):
    """The rows of the key figures table of `territory`. `runs` are the latest runs per source, `indicators` the
    observatory's rows of the territory by slug (observatory.sheet), whose counts of schools are shown.

    Cached until the next import: national figures aggregate hundreds of thousands of rows.
    """
    key = f"edhub:key-figures:{territory.pk}:{data_version()}"
    return cache.get_or_set(key, lambda: _key_figures(territory, runs, breakdown, indicators), CACHE_SECONDS)


def _key_figures(territory, runs, breakdown, indicators):
    pupils = queries.pupils_summary(territory)
    ips = queries.ips_summary(territory)
    communes = queries.communes_summary(territory)
    arcep = queries.territory_figures(territory)
    school_runs = queries.counted_schools(territory).values_list("run_id", flat=True).distinct().order_by()
    run_ids = {row["run_id"] for row in (pupils, ips, *arcep) if row} | {territory.density_run_id, *school_runs}
    by_id = ImportRun.objects.defer("rejections", "message").in_bulk(run_ids - {None})
    geography = [geography_run(runs)]

    rows = [
        figure("Population municipale", fr_int(territory.population), geography),
        figure("Superficie", _unit(fr_decimal(territory.area_km2), "km²"), geography),
    ]
    if territory.population and territory.area_km2:
        density = fr_int(territory.population / territory.area_km2)
        rows.append(figure("Densité de population", _unit(density, "hab./km²"), geography))
    if territory.density_level is not None:
        rows.append(
            figure(
                "Niveau de densité (grille communale INSEE)",
                territory.density_label + (" (estimé)" if territory.density_estimated else ""),
                [by_id.get(territory.density_run_id)],
                coverage="estimé : la grille communale de densité n’est pas chargée"
                if territory.density_estimated
                else "",
            )
        )
    if communes and communes["communes"]:
        rows.append(
            figure(
                "Communes rurales (grille communale INSEE)",
                f"{fr_int(communes['rural'])} sur {fr_int(communes['communes'])}",
                coverage=_rurality_coverage(communes),
            )
        )
    rows.extend(_school_counts(territory, indicators, [by_id.get(run_id) for run_id in sorted(school_runs)]))
    if pupils:
        rows.append(
            figure(
                f"Élèves (rentrée {pupils['rentree']})",
                fr_int(pupils["total"]),
                [by_id.get(pupils["run_id"])],
                coverage=f"{fr_count(pupils['schools'], 'établissement renseigné', 'établissements renseignés')} "
                f"sur {fr_int(breakdown['total'])} connus",
                partial=pupils["schools"] < breakdown["total"],
            )
        )
    else:
        rows.append(figure("Élèves", NOT_COMMUNICATED, coverage="aucun effectif chargé pour ce territoire"))
    rows.append(_ips_figure(ips, by_id))
    rows.extend(_territory_figures(territory, arcep, by_id, communes))
    return rows


def _school_counts(territory, indicators, runs):
    """The counts of schools (hors fermés) of the observatory, each with its coverage: N.C. with the reason where
    no loaded source lists every school of that kind, partial where only part of the territory is covered."""
    departements = None
    if territory.level in ABOVE_DEPARTEMENTS:
        departements = queries.departements_count(territory)
    rows = []
    for slug, counted in SCHOOL_COUNTS.items():
        indicator = CATALOGUE[slug]
        label = f"{indicator.label} (hors fermés)"
        row = indicators.get(slug)
        if row is None or row["period"] is None:
            rows.append(figure(label, NOT_COMMUNICATED, runs, "indicateur pas encore calculé (edhub compute)"))
            continue
        period, value, coverage = row["period"], row["value"], row["coverage"]
        if value is None:
            reason = f"aucune source chargée ne recense tous les {counted} de ce territoire (couverture nulle)"
            rows.append(figure(label, NOT_COMMUNICATED, runs, reason if coverage == 0 else missing_reason(coverage)))
            continue
        partial = is_partial(value, coverage)
        text = f"couverture {coverage_percent(coverage)}"
        if departements and slug != "etablissements":
            covered = round(coverage * departements)
            text += (
                f" : recensement complet des {counted} dans {fr_count(covered, 'département', 'départements')} "
                f"sur {fr_int(departements)}"
            )
        rows.append(figure(f"{label} ({period})", indicator_value(value, indicator), runs, text, partial))
    return rows


def _unit(value, unit):
    return value if value == NOT_COMMUNICATED else f"{value}\u00a0{unit}"


def _rurality_coverage(communes):
    parts = [f"{fr_percent(communes['rural_population'] or 0, communes['total_population'])} de la population"]
    missing = communes["communes"] - communes["with_density"]
    if missing:
        parts.append(f"{fr_count(missing, 'commune', 'communes')} sans niveau de densité")
    if communes["estimated"]:
        parts.append(fr_count(communes["estimated"], "niveau estimé", "niveaux estimés"))
    return ", ".join(parts)


def _ips_figure(ips, by_id):
    if ips is None:
        return figure(
            "Indice de position sociale (IPS) moyen", NOT_COMMUNICATED, coverage="aucun IPS chargé pour ce territoire"
        )
    label = f"Indice de position sociale (IPS) moyen (rentrée {ips['rentree']})"
    if ips["weighted_mean"] is not None:
        coverage = (
            "moyenne pondérée par les effectifs de "
            f"{fr_count(ips['weighted_schools'], 'établissement', 'établissements')} "
            f"sur {fr_int(ips['schools'])} dotés d’un IPS"
        )
        return figure(label, fr_decimal(ips["weighted_mean"]), [by_id.get(ips["run_id"])], coverage)
    coverage = (
        f"moyenne non pondérée (effectifs inconnus) de {fr_count(ips['schools'], 'établissement', 'établissements')}"
    )
    return figure(label, fr_decimal(ips["mean"]), [by_id.get(ips["run_id"])], coverage)


def _territory_figures(territory, arcep, by_id, communes):
    totals = {(row["variable"], row["period"]): row["total"] for row in arcep}
    aggregated = territory.level not in (Level.COMMUNE, Level.ARRONDISSEMENT)
    rows = []
    for row in sorted(arcep, key=lambda r: VARIABLE_ORDER.get(r["variable"], len(VARIABLE_ORDER))):
        variable, period, total = row["variable"], row["period"], row["total"]
        label, share_of = TERRITORY_VARIABLES.get(variable, (FLAG_VARIABLES.get(variable, variable), None))
        if variable in FLAG_VARIABLES and aggregated:
            value = fr_count(total, "commune", "communes")
        elif variable in FLAG_VARIABLES:
            value = NOT_COMMUNICATED if total is None else ("Oui" if total else "Non")
        else:
            value = fr_int(total)
            whole = totals.get((share_of, period))
            if share_of and whole:
                value = f"{value} ({fr_percent(total, whole)})"
        coverage, partial = "", False
        if aggregated and communes:
            renseignees = fr_count(row["territories"], "commune renseignée", "communes renseignées")
            coverage = f"{renseignees} sur {fr_int(communes['communes'])}"
            partial = row["territories"] < communes["communes"]
        rows.append(figure(f"{label} ({period})", value, [by_id.get(row["run_id"])], coverage, partial))
    return rows
