"""Pre-identification of the communes eligible to a connectivity call, from open data and local declarations.

A commune of the campaign's territory is eligible when it passes every gate of the campaign:
- rural: INSEE density level 5 to 7 (estimated from population density while the grid is not imported);
- at least one open public école (maternelle, élémentaire or primaire);
- badly connected: fewer than `share_threshold` % of its premises eligible to `speed_threshold` Mbit/s (Arcep,
  latest period), or one of its écoles declared without connection or below the threshold (local inventories).
  When every public école of the commune has declared a measured speed at or above the threshold, the
  declarations prevail over the Arcep figure.
  A school that the follow-up of an earlier call marks connected counts with the connection obtained, as the
  observatory reads it (edhub.schools.connections: one rule): for the rentrée of its connection, unless the
  declaration of that rentrée was published after the follow-up or a later rentrée is declared.

Eligible communes are ranked by a need score out of 100, the sum of four explained components (NEED_WEIGHTS).
Everything is read with a handful of queries into dicts: no query per commune (all of France in well under 3 s).
The pages, exports and map read it through `cached_pre_identify`, kept until the data or the gates change.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db.models import Max, Q

from edhub.inventories.models import Technology
from edhub.opendata.models import ImportRun
from edhub.schools import connections
from edhub.schools.connections import Origin
from edhub.schools.models import ECOLE_KINDS, PriorityEducation, School, SchoolFigure, Sector, State, Variable
from edhub.territories.models import DENSITY_LABELS, RURAL_DENSITY_LEVELS, Level, Territory, TerritoryFigure

# Points of each component of the need score (total 100).
NEED_WEIGHTS = {"connectivite": 40, "ruralite": 20, "ecoles": 20, "social": 20}
NEED_LABELS = {
    "connectivite": "Manque de connectivité",
    "ruralite": "Ruralité",
    "ecoles": "Écoles et élèves concernés",
    "social": "Priorité sociale",
}
# Écoles counted in the size component (more écoles than this count fully).
SCHOOLS_FULL = 4
# IPS range mapped linearly onto the social component (an IPS at or below IPS_LOW counts fully).
IPS_LOW, IPS_HIGH = 75.0, 125.0
REP_SOCIAL = {PriorityEducation.REP_PLUS: 1.0, PriorityEducation.REP: 0.75}
SOCIAL_UNKNOWN = 0.5
CACHE_SECONDS = 24 * 3600


@dataclass
class DeclaredSchool:
    """The connection of a school in force: declared in a local inventory, or obtained by the works of a call
    (`followed`: recorded by the call's follow-up)."""

    uai: str
    rentree: int
    technology: str
    download_mbps: float | None
    followed: bool = False

    @property
    def summary(self):
        if self.technology == Technology.AUCUNE:
            return Technology.AUCUNE.label.lower()
        speed = "débit non mesuré" if self.download_mbps is None else f"{_dec(self.download_mbps)} Mbit/s mesurés"
        if self.followed:
            return f"connectée par les travaux d'un appel : {Technology(self.technology).label}, {speed}"
        return speed


@dataclass(frozen=True)
class Gates:
    """The eligibility gates of a campaign."""

    speed: int
    share: float
    rural_only: bool
    requires_public_ecole: bool

    @classmethod
    def of(cls, campaign):
        return cls(
            campaign.speed_threshold, campaign.share_threshold, campaign.rural_only, campaign.requires_public_ecole
        )

    @property
    def key(self):
        return f"{self.speed}-{self.share}-{int(self.rural_only)}-{int(self.requires_public_ecole)}"


@dataclass(eq=False)
class Assessment:
    """One commune against the gates of a campaign, with the explanation of its need score."""

    gates: Gates
    id: int
    code: str
    name: str
    departement_code: str
    departement_name: str
    population: int | None
    density_level: int | None
    density_estimated: bool
    ecoles: int = 0
    pupils: int | None = None
    ips: float | None = None
    ips_ecoles: int = 0
    rep: int = 0
    rep_plus: int = 0
    premises: int | None = None
    share: float | None = None  # % of premises eligible to the threshold speed (Arcep)
    declared: list | None = None
    badly_declared: list | None = None
    eligible: bool = False
    components: dict | None = None
    score: float = 0.0
    rank: int | None = None

    @property
    def rural(self):
        return None if self.density_level is None else self.density_level in RURAL_DENSITY_LEVELS

    @property
    def density_label(self):
        label = DENSITY_LABELS.get(self.density_level, "non connue")
        return f"{label} (estimée)" if self.density_estimated else label

    @property
    def declared_well(self):
        """Every public école of the commune declares a measured speed at or above the threshold."""
        return (
            self.ecoles > 0
            and len(self.declared or ()) == self.ecoles
            and all(d.download_mbps is not None and d.download_mbps >= self.gates.speed for d in self.declared)
        )

    @property
    def badly_connected(self):
        if self.badly_declared:
            return True
        if self.declared_well:
            return False
        return self.share is not None and self.share < self.gates.share

    def passes(self):
        """Whether the commune passes every gate (cheap: used on every commune of France)."""
        gates = self.gates
        if gates.rural_only and self.density_level not in RURAL_DENSITY_LEVELS:
            return False
        if gates.requires_public_ecole and not self.ecoles:
            return False
        return self.badly_connected

    @property
    def reasons(self):
        """Why the commune is eligible or not: one sentence per gate."""
        gates, reasons = self.gates, []
        if gates.rural_only:
            rural = "commune rurale" if self.rural else "commune non rurale"
            reasons.append(f"{rural} : {self.density_label}")
        if self.ecoles:
            reasons.append(f"{self.ecoles} école(s) publique(s) ouverte(s)")
        elif gates.requires_public_ecole:
            reasons.append("aucune école publique ouverte")
        if self.share is None:
            share_text = "débit Arcep non connu"
        else:
            share_text = f"{_pct(self.share)} des locaux éligibles à {gates.speed} Mbit/s"
            share_text += f" (seuil : moins de {_pct(gates.share)})"
        if self.badly_declared:
            schools = ", ".join(f"{d.uai} ({d.summary})" for d in self.badly_declared)
            reasons.append(f"école(s) déclarée(s) mal connectée(s) : {schools}")
        elif self.declared_well:
            followed = [d for d in self.declared if d.followed]
            if not followed:
                reasons.append(
                    f"toutes les écoles déclarent un débit mesuré d'au moins {gates.speed} Mbit/s ({share_text})"
                )
            else:
                schools = ", ".join(f"{d.uai} ({d.summary})" for d in followed)
                reasons.append(
                    f"toutes les écoles ont un débit mesuré d'au moins {gates.speed} Mbit/s, déclaré ou relevé par le "
                    f"suivi d'un appel : {schools} ({share_text})"
                )
        elif self.share is None:
            reasons.append(f"connectivité non connue : {share_text}")
        elif self.share < gates.share:
            reasons.append(f"mal connectée : {share_text}")
        else:
            reasons.append(f"connectivité suffisante : {share_text}")
        return reasons

    @property
    def refusals(self):
        """Why the commune is not eligible: one sentence per gate it fails, with its figures (none when eligible)."""
        gates, refusals = self.gates, []
        if gates.rural_only and not self.rural:
            refusals.append(
                f"{self.name} n'est pas une commune rurale : sa densité (grille communale de l'INSEE) est "
                f"« {self.density_label} », l'appel est réservé aux communes rurales (niveaux 5 à 7)."
            )
        if gates.requires_public_ecole and not self.ecoles:
            refusals.append(f"{self.name} n'a aucune école publique ouverte : l'appel en demande au moins une.")
        if not self.badly_connected:
            refusals.append(self._connectivity_refusal())
        return refusals

    def _connectivity_refusal(self):
        speed, threshold = self.gates.speed, _pct(self.gates.share)
        badly = f"une école déclarée sans connexion ou sous {speed} Mbit/s dans l'inventaire local"
        if self.declared_well:
            return (
                f"Toutes les écoles publiques de la commune ont un débit mesuré d'au moins {speed} Mbit/s (inventaire "
                "local ou suivi d'un appel) : l'appel est réservé aux communes mal connectées."
            )
        if self.share is None:
            return (
                f"La part des locaux de la commune éligibles à {speed} Mbit/s n'est pas connue (Arcep) et aucune "
                f"école n'est déclarée mal connectée : l'éligibilité demande {badly}."
            )
        position = "au-dessus du" if self.share > self.gates.share else "au niveau du"
        return (
            f"{_pct(self.share)} des locaux de la commune sont éligibles à {speed} Mbit/s, {position} seuil de "
            f"{threshold} : l'appel est réservé aux communes dont moins de {threshold} des locaux le sont, ou qui ont "
            f"{badly}."
        )

    @property
    def explanation(self):
        """The score in words: each component with its points."""
        return " ; ".join(
            f"{NEED_LABELS[code]} {_dec(points)}/{NEED_WEIGHTS[code]} ({text})"
            for code, (points, text) in (self.components or {}).items()
        )


@dataclass
class PreIdentification:
    """The outcome for a campaign: every commune assessed, the eligible ones ranked."""

    gates: Gates
    assessments: dict  # code -> Assessment (the eligible ones only when read from the cache)
    eligible: list  # ranked
    assessed: int  # communes assessed
    period: str | None  # of the Arcep figures
    density_estimated: bool
    declarations: int  # public écoles with a local declaration in force

    def departements(self):
        """[(code, name)] of the départements that have eligible communes."""
        return sorted({(a.departement_code, a.departement_name) for a in self.eligible})


def pre_identify(campaign, departement=None, commune=None):
    """Assess every commune of the campaign's territory (or of one of its départements, by code, or one commune)."""
    gates = Gates.of(campaign)
    places = Territory.objects.filter(
        campaign.territory.inside(), level__in=(Level.COMMUNE, Level.ARRONDISSEMENT), valid_to__isnull=True
    )
    if departement:
        places = places.filter(departement__code=departement)
    if commune is not None:
        places = places.filter(Q(pk=commune.pk) | Q(parent=commune))  # its arrondissements, if any
    # The ids of the places in scope as a subquery (None: all of France, no filter needed).
    narrowed = departement or commune is not None or campaign.territory.level != Level.FRANCE
    scope = places.values("id") if narrowed else None

    departements = {
        pk: (code, name)
        for pk, code, name in Territory.objects.filter(level=Level.DEPARTEMENT).values_list("id", "code", "name")
    }
    assessments, by_id, arrondissements = {}, {}, []
    for pk, level, parent, code, name, dep_id, population, density, density_run in places.values_list(
        "id", "level", "parent_id", "code", "name", "departement_id", "population", "density_level", "density_run_id"
    ).order_by():
        if level == Level.ARRONDISSEMENT:  # Paris, Lyon, Marseille: their schools count for their commune
            arrondissements.append((pk, parent))
            continue
        dep_code, dep_name = departements.get(dep_id, ("", ""))
        assessment = Assessment(
            gates, pk, code, name, dep_code, dep_name, population, density, density is not None and density_run is None
        )
        assessments[code] = by_id[pk] = assessment
    for pk, parent in arrondissements:
        if parent in by_id:
            by_id[pk] = by_id[parent]

    # Open public écoles, their priority education, pupils and IPS (latest rentrée known for each).
    ecoles = School.objects.filter(kind__in=ECOLE_KINDS, sector=Sector.PUBLIC).exclude(state=State.CLOSED)
    if scope is not None:
        ecoles = ecoles.filter(commune_id__in=scope)
    school_commune = {}
    for uai, commune_id, priority in ecoles.values_list("uai", "commune_id", "priority_education").order_by():
        assessment = by_id.get(commune_id)
        if assessment is None:
            continue
        school_commune[uai] = assessment
        assessment.ecoles += 1
        if priority == PriorityEducation.REP:
            assessment.rep += 1
        elif priority == PriorityEducation.REP_PLUS:
            assessment.rep_plus += 1
    latest = {}
    figures = SchoolFigure.objects.filter(
        variable__in=(Variable.PUPILS, Variable.IPS), value__isnull=False, school__kind__in=ECOLE_KINDS
    )
    if scope is not None:
        figures = figures.filter(school__commune_id__in=scope)
    for uai, variable, rentree, value in figures.values_list("school_id", "variable", "rentree", "value").order_by():
        if uai in school_commune and rentree >= latest.get((uai, variable), (0, None))[0]:
            latest[uai, variable] = (rentree, value)
    ips_sums = defaultdict(float)
    for (uai, variable), (_, value) in latest.items():
        assessment = school_commune[uai]
        if variable == Variable.PUPILS:
            assessment.pupils = (assessment.pupils or 0) + int(value)
        else:
            ips_sums[assessment] += value
            assessment.ips_ecoles += 1
    for assessment, total in ips_sums.items():
        assessment.ips = total / assessment.ips_ecoles

    # Arcep: premises, and premises eligible to the threshold speed, at the latest period.
    period = TerritoryFigure.objects.filter(variable="locaux").aggregate(latest=Max("period"))["latest"]
    reached_variable = f"locaux_ge_{gates.speed}"
    arcep = TerritoryFigure.objects.filter(period=period, variable__in=("locaux", reached_variable))
    if scope is not None:
        arcep = arcep.filter(territory_id__in=scope)
    premises, reached = defaultdict(float), defaultdict(float)
    for territory_id, variable, value in arcep.values_list("territory_id", "variable", "value").order_by():
        assessment = by_id.get(territory_id)
        if assessment is not None and value is not None:
            (premises if variable == "locaux" else reached)[assessment] += value
    for assessment, count in premises.items():
        if count and assessment in reached:
            assessment.premises = int(count)
            assessment.share = 100.0 * reached[assessment] / count

    # The connection in force of each public école, for the latest rentrée reported: declared in a local inventory
    # or obtained by the works of a call, by the rule the observatory reads (edhub.schools.connections).
    reports = connections.reports(ecoles)
    declared_uais = {report.uai for report in reports if report.origin == Origin.DECLARED}
    current = {}
    for uai, connection in connections.latest(connections.merge(reports)).items():
        if uai in school_commune:
            current[uai] = DeclaredSchool(
                uai,
                connection.rentree,
                connection.technology,
                connection.download_mbps,
                followed=connection.origin == Origin.OBSERVED,
            )
    for declared in sorted(current.values(), key=lambda declared: declared.uai):
        assessment = school_commune[declared.uai]
        assessment.declared = [*(assessment.declared or ()), declared]
        speed = declared.download_mbps
        if declared.technology == Technology.AUCUNE or (speed is not None and speed < gates.speed):
            assessment.badly_declared = [*(assessment.badly_declared or ()), declared]

    eligible = []
    for assessment in assessments.values():
        if assessment.passes():
            assessment.eligible = True
            _score(assessment)
            eligible.append(assessment)
    eligible.sort(key=lambda a: (-a.score, -a.components["connectivite"][0], a.code))
    for rank, assessment in enumerate(eligible, start=1):
        assessment.rank = rank
    return PreIdentification(
        gates=gates,
        assessments=assessments,
        eligible=eligible,
        assessed=len(assessments),
        period=period,
        density_estimated=any(a.density_estimated for a in assessments.values()),
        declarations=len(declared_uais & school_commune.keys()),
    )


def cached_pre_identify(campaign, departement=None):
    """`pre_identify`, kept in the cache under the data version (a new import, publication or computation renews
    it), the campaign's territory and gates (what the outcome depends on: editing them renews it too).

    Only the eligible communes are kept (`assessments` holds them alone, `assessed` counts every commune): a sixth
    of the communes of France, read back from the cache in a tenth of the time of the computation."""
    version, gates = ImportRun.objects.data_version(), Gates.of(campaign)
    key = f"edhub:ami:eligibles:{version}:{campaign.territory_id}:{gates.key}:{departement or ''}"
    result = cache.get(key)
    if result is None:
        result = pre_identify(campaign, departement=departement)
        result = replace(result, assessments={assessment.code: assessment for assessment in result.eligible})
        cache.set(key, result, CACHE_SECONDS)
    return result


def assess(campaign, commune):
    """The assessment of one commune against the gates of the campaign (None when it is outside its territory)."""
    return pre_identify(campaign, commune=commune).assessments.get(commune.code)


def ineligibility(campaign, commune):
    """Why the commune may not apply to the campaign, in words ("" when its rules make it eligible)."""
    assessment = assess(campaign, commune)
    if assessment is None:
        return f"{commune.name} n'est pas dans le territoire de l'appel ({campaign.territory.name})."
    refusals = assessment.refusals
    return f"{commune.name} n'est pas éligible à cet appel. {' '.join(refusals)}" if refusals else ""


def _score(assessment):
    """The need score: four components, each a share of its points, with its explanation."""
    speed = assessment.gates.speed
    components = {}
    gap = 0.0 if assessment.share is None else 1 - assessment.share / 100
    text = (
        "Arcep non connu"
        if assessment.share is None
        else f"{_pct(100 - assessment.share)} des locaux sous {speed} Mbit/s"
    )
    if assessment.badly_declared:
        declared_gap = len(assessment.badly_declared) / assessment.ecoles
        text += f", {len(assessment.badly_declared)}/{assessment.ecoles} école(s) déclarée(s) mal connectée(s)"
        gap = max(gap, declared_gap)
    components["connectivite"] = (gap, text)
    rural = assessment.density_level in RURAL_DENSITY_LEVELS
    rurality = (assessment.density_level - 4) / 3 if rural else 0.0
    components["ruralite"] = (rurality, assessment.density_label)
    size = min(assessment.ecoles, SCHOOLS_FULL) / SCHOOLS_FULL
    pupils = "élèves N.C." if assessment.pupils is None else f"{assessment.pupils} élèves"
    components["ecoles"] = (size, f"{assessment.ecoles} école(s), {pupils}")
    if assessment.ips is not None:
        social = min(1.0, max(0.0, (IPS_HIGH - assessment.ips) / (IPS_HIGH - IPS_LOW)))
        social_text = f"IPS moyen {_dec(assessment.ips)} ({assessment.ips_ecoles} école(s))"
    else:
        social, social_text = SOCIAL_UNKNOWN, "IPS N.C., compté au milieu de l'échelle"
    if assessment.rep_plus or assessment.rep:
        social = max(social, REP_SOCIAL[PriorityEducation.REP_PLUS if assessment.rep_plus else PriorityEducation.REP])
        social_text += f", {assessment.rep_plus} REP+ et {assessment.rep} REP"
    components["social"] = (social, social_text)
    assessment.components = {
        code: (round(value * NEED_WEIGHTS[code], 1), text) for code, (value, text) in components.items()
    }
    assessment.score = round(sum(points for points, _ in assessment.components.values()), 1)


def _pct(value):
    return f"{value:.1f} %".replace(".", ",")


def _dec(value):
    return f"{value:.1f}".replace(".", ",")


def candidate_schools(commune):
    """The schools a commune's dossier may concern: its open public écoles (arrondissements included)."""
    schools = School.objects.in_territory(commune).filter(kind__in=ECOLE_KINDS, sector=Sector.PUBLIC)
    return schools.exclude(state=State.CLOSED).order_by("search_name", "uai")
