"""The key figures of a territory page: each with its value, coverage and provenance (source and vintage)."""

from django.core.cache import cache

from edhub.indicators.catalogue import CATALOGUE
from edhub.indicators.coverage import is_partial, missing_reason
from edhub.indicators.models import Note
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
# The Arcep figures among the key figures, in display order, each read from an indicator of the observatory:
# (label, slug, how its value is read). "count": the value; "flag": a number of communes (Oui/Non for a commune);
# "premises": the premises (the denominator of a share); "eligible"/"ineligible": the premises of a share's
# numerator (or of its complement), with the share.
ARCEP_FIGURES = (
    ("Locaux (logements et établissements)", "debit_30", "premises"),
    ("Locaux éligibles à 3 Mbit/s ou plus", "inelig_3", "ineligible"),
    ("Locaux éligibles à 8 Mbit/s ou plus", "debit_8", "eligible"),
    ("Locaux éligibles à 30 Mbit/s ou plus", "debit_30", "eligible"),
    ("Locaux éligibles à 100 Mbit/s ou plus", "debit_100", "eligible"),
    ("Locaux éligibles à 1 Gbit/s ou plus", "debit_1000", "eligible"),
    ("Logements", "logements", "count"),
    ("Établissements", "locaux_professionnels", "count"),
    ("Commune rurale (Arcep)", "communes_rurales_arcep", "flag"),
    ("Commune de montagne", "communes_montagne", "flag"),
    ("Zone très dense", "communes_zone_tres_dense", "flag"),
    ("Engagement de déploiement L. 33-13", "communes_engagement_l33_13", "flag"),
)
NOT_COMPUTED = "aucune valeur calculée : donnée non chargée ou indicateur pas encore calculé (edhub compute)"
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


def key_figures(territory, runs, indicators):
    """The rows of the key figures table of `territory`. `runs` are the latest runs per source, `indicators` the
    observatory's rows of the territory by slug (observatory.sheet): its counts of schools, pupils, IPS and Arcep
    figures are the engine's values, shown with the coverage the engine states.

    Cached until the next import or computation.
    """
    key = f"edhub:key-figures:{territory.pk}:{data_version()}"
    return cache.get_or_set(key, lambda: _key_figures(territory, runs, indicators), CACHE_SECONDS)


def _key_figures(territory, runs, indicators):
    communes = queries.communes_summary(territory)
    school_runs = queries.counted_schools(territory).values_list("run_id", flat=True).distinct().order_by()
    run_ids = {territory.density_run_id, *school_runs}
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
    rows.append(
        observed(
            "Élèves",
            indicators.get("eleves_etablissements"),
            runs,
            lambda row: fr_int(row["value"]),
            period="rentrée {}",
            missing="aucun effectif chargé pour ce territoire",
            of="des écoles et établissements",
        )
    )
    rows.append(
        observed(
            "Indice de position sociale (IPS) moyen",
            indicators.get("ips_etablissements"),
            runs,
            lambda row: fr_decimal(row["value"]),
            period="rentrée {}",
            missing="aucun IPS chargé pour ce territoire",
            described=_ips_method,
        )
    )
    place = territory.level in (Level.COMMUNE, Level.ARRONDISSEMENT)
    for label, slug, reading in ARCEP_FIGURES:
        row = indicators.get(slug)
        if row is not None and row["period"] is not None:
            rows.append(observed(label, row, runs, _arcep_reader(reading, place), of="de la population"))
    return rows


def observed(label, row, runs, show, *, period="{}", missing=None, described=None, of=""):
    """A key figure read from the observatory's row of an indicator (observatory.sheet): `show(row)` writes its
    value; its coverage is the engine's, the value partial where the coverage is; N.C. with the reason where the
    engine has no value (`missing`: the reason when nothing at all is known of the territory). `described(row)`:
    how the value was obtained, said before its coverage; `of`: what the coverage is a share of."""
    sources = [runs.get(source) for source in row["indicator"].sources] if row else []
    if row is None or row["period"] is None:
        return figure(label, NOT_COMMUNICATED, sources, NOT_COMPUTED)
    value, coverage = row["value"], row["coverage"]
    if value is None:
        reason = missing if coverage is None and missing else missing_reason(coverage)
        return figure(label, NOT_COMMUNICATED, sources, reason)
    text = " ".join(part for part in (f"couverture {coverage_percent(coverage)}", of) if part)
    if described is not None:
        text = f"{described(row)}, {text}"
    return figure(f"{label} ({period.format(row['period'])})", show(row), sources, text, is_partial(value, coverage))


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


def _ips_method(row):
    """How the IPS mean was obtained: weighted by the pupils (the denominator), or a plain mean of the schools."""
    if row["note"] == Note.UNWEIGHTED:
        schools = fr_count(round(row["denominator"]), "établissement", "établissements")
        return f"moyenne non pondérée (effectifs inconnus pour une partie d’entre eux) de {schools}"
    return f"moyenne pondérée par les effectifs ({fr_count(round(row['denominator']), 'élève', 'élèves')})"


def _arcep_reader(reading, place):
    """How an Arcep figure shows its indicator's row (see ARCEP_FIGURES); `place`: a commune or arrondissement."""
    if reading == "premises":
        return lambda row: fr_int(row["denominator"])
    if reading in ("eligible", "ineligible"):

        def share(row):
            premises = row["denominator"]
            eligible = row["numerator"] if reading == "eligible" else premises - row["numerator"]
            return f"{fr_int(eligible)} ({fr_percent(eligible, premises)})"

        return share
    if reading == "flag" and place:
        return lambda row: "Oui" if row["value"] else "Non"
    if reading == "flag":
        return lambda row: fr_count(round(row["value"]), "commune", "communes")
    return lambda row: fr_int(row["value"])
