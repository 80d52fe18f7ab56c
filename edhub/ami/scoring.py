"""Scoring of the dossiers of a call on its published grid, the committee's selection and the published results.

Automatic criteria (computed from data) take the need-score components of the pre-identification for the
dossier's commune, brought to the criterion's weight; manual criteria take the mean of the points of the scorers.
A dossier is fully scored when every manual criterion has the points of at least MIN_SCORERS distinct scorers;
two scorers disagree on a criterion when their points differ by more than DISAGREEMENT_SHARE of its weight (the
committee then looks at it before deciding). Only fully scored dossiers are ranked and compete for selection.

The committee compares the optimal selection with the greedy ranking (selection.compare) and arrests the optimal
one: every dossier in instruction is then accepted or refused through Application.move (so each decision is
logged), the best dossiers not selected forming the waiting list. The results are public once published.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst

from edhub.accounts.permissions import require
from edhub.ami.eligibility import NEED_LABELS, NEED_WEIGHTS, cached_pre_identify, pre_identify
from edhub.ami.eligibility import _score as score_need  # the need score of a commune, eligible or not
from edhub.ami.models import Application, Campaign, Score
from edhub.ami.selection import Candidate, Constraints, Infeasible, compare
from edhub.schools.models import SchoolFigure, Variable

# Distinct scorers needed on every manual criterion before a dossier is ranked.
MIN_SCORERS = 2
# Two scorers disagree on a criterion when their points differ by more than this share of its weight
# (more than 5 points on a criterion of 20).
DISAGREEMENT_SHARE = 0.25
# Best dossiers not selected kept on the waiting list, in order.
WAITING_LIST = 10

State = Application.State


def _round(value):
    """One decimal, halves rounded up as by hand (11.25 → 11.3), computed in decimal (no binary error)."""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _decimal(value):
    return f"{value:.1f}".replace(".", ",")


def _points(value):
    """Points as written in the tables: one decimal, none when round (12 → "12", 12.5 → "12,5")."""
    return _decimal(value).removesuffix(",0")


@dataclass
class Line:
    """One criterion of the grid for one dossier: its points and where they come from."""

    criterion: object
    points: float | None  # None: no scorer yet
    explanation: str = ""  # automatic criteria
    scores: list = field(default_factory=list)  # manual criteria: the Score rows, one per scorer

    @property
    def scorers(self):
        return len({score.scorer_id for score in self.scores})

    @property
    def spread(self):
        """The largest difference between two scorers' points (0 with fewer than two scorers)."""
        if len(self.scores) < 2:
            return 0.0
        points = [score.points for score in self.scores]
        return max(points) - min(points)

    @property
    def disagreement(self):
        return not self.criterion.automatic and self.spread > DISAGREEMENT_SHARE * self.criterion.weight

    @property
    def disagreement_text(self):
        """The criterion, each scorer's points and the spread, in words."""
        points = ", ".join(f"{_scorer_name(s.scorer)} {_points(s.points)}" for s in self.scores)
        threshold = _points(DISAGREEMENT_SHARE * self.criterion.weight)
        return (
            f"{self.criterion.label} : {points} (écart de {_points(self.spread)} points sur {self.criterion.weight}, "
            f"au-delà de {threshold})"
        )


@dataclass
class ScoredApplication:
    """A dossier on the grid: its lines, total, scorers, disagreements and eligible cost."""

    application: Application
    lines: list
    schools: int = 0
    classes: int | None = None  # None: unknown for at least one school
    cost: int | None = None  # estimated cost within the campaign's ceilings
    cost_explanation: str = ""
    rank: int | None = None

    @property
    def key(self):
        return str(self.application.pk)

    @property
    def total(self):
        """The sum of the lines' points, each rounded as shown (missing manual points count 0 until scored)."""
        return _round(sum(Decimal(str(line.points or 0)) for line in self.lines))

    @property
    def maximum(self):
        return sum(line.criterion.weight for line in self.lines)

    @property
    def manual_lines(self):
        return [line for line in self.lines if not line.criterion.automatic]

    @property
    def scorers(self):
        """The distinct scorers of the dossier, by name."""
        users = {score.scorer_id: score.scorer for line in self.manual_lines for score in line.scores}
        return sorted(users.values(), key=_scorer_name)

    @property
    def scorer_names(self):
        return ", ".join(_scorer_name(user) for user in self.scorers)

    @property
    def fully_scored(self):
        return all(line.scorers >= MIN_SCORERS for line in self.manual_lines)

    @property
    def missing(self):
        """The manual lines without enough scorers yet."""
        return [line for line in self.manual_lines if line.scorers < MIN_SCORERS]

    @property
    def disagreements(self):
        return [line for line in self.manual_lines if line.disagreement]

    def scores_of(self, user):
        """{criterion id: Score} of one scorer."""
        return {
            line.criterion.pk: score
            for line in self.manual_lines
            for score in line.scores
            if score.scorer_id == user.pk
        }


@dataclass
class CampaignScores:
    campaign: Campaign
    criteria: list
    applications: list  # ranked fully scored dossiers first, then the others by commune

    @property
    def maximum(self):
        return sum(criterion.weight for criterion in self.criteria)

    @property
    def ranked(self):
        return [scored for scored in self.applications if scored.rank is not None]

    @property
    def pending(self):
        return [scored for scored in self.applications if scored.rank is None]


def _scorer_name(user):
    return user.get_full_name() or user.get_username()


def score_campaign(campaign, applications=None):
    """The dossiers of a campaign on its published grid, fully scored ones ranked by total.

    `applications` narrows the dossiers (default: those in instruction or decided). A fixed number of queries
    whatever the number of dossiers: the pre-identification is read from the cache (computed once per data version
    and gates), with at most one more pass for the communes it does not hold."""
    if applications is None:
        applications = campaign.applications.filter(state__in=(State.IN_INSTRUCTION, State.ACCEPTED, State.REFUSED))
    applications = list(applications.select_related("commune__departement").order_by("commune__name", "pk"))
    criteria = list(campaign.criteria.filter(published=True).order_by("position", "pk"))
    if not applications:
        return CampaignScores(campaign, criteria, [])

    scores = defaultdict(list)
    rows = Score.objects.filter(application__in=applications, criterion__in=criteria).select_related("scorer")
    for score in rows.order_by("at", "pk"):
        scores[score.application_id, score.criterion_id].append(score)

    schools = defaultdict(list)
    concerned = Application.schools.through.objects.filter(application__in=applications)
    for application_id, uai in concerned.values_list("application_id", "school_id").order_by():
        schools[application_id].append(uai)
    classes = _classes({uai for uais in schools.values() for uai in uais})

    automatic = any(c.automatic for c in criteria)
    assessments = _assessments(campaign, [a.commune for a in applications]) if automatic else {}

    result = []
    for application in applications:
        assessment = assessments.get(application.commune.code)
        if assessment is not None and assessment.components is None:
            score_need(assessment)  # a commune not eligible: its need score is still computed from its data
        lines = []
        for criterion in criteria:
            if criterion.automatic:
                lines.append(_automatic_line(criterion, assessment))
            else:
                rows = scores[application.pk, criterion.pk]
                mean = _round(sum(Decimal(str(s.points)) for s in rows) / len(rows)) if rows else None
                lines.append(Line(criterion, mean, scores=rows))
        uais = schools[application.pk]
        counts = [classes.get(uai) for uai in uais]
        scored = ScoredApplication(
            application, lines, schools=len(uais), classes=None if None in counts else sum(counts)
        )
        scored.cost, scored.cost_explanation = _eligible_cost(campaign, application.estimated_cost, scored)
        result.append(scored)

    ranked = sorted(
        (s for s in result if s.fully_scored), key=lambda s: (-s.total, s.cost or 0, s.application.commune.code)
    )
    for rank, scored in enumerate(ranked, start=1):
        scored.rank = rank
    return CampaignScores(campaign, criteria, ranked + [s for s in result if not s.fully_scored])


def _single_departement(communes):
    """The code of the département of all these communes, None when they are in several."""
    codes = {commune.departement.code for commune in communes if commune.departement_id}
    return codes.pop() if len(codes) == 1 else None


def _assessments(campaign, communes):
    """{commune code: Assessment} of these communes against the campaign's gates.

    The eligible ones come from the cached pre-identification (which keeps only them); the others, rare since a
    commune may apply without being pre-identified, take one more pass over their département (over the campaign's
    territory when they are in several)."""
    eligible = cached_pre_identify(campaign, departement=_single_departement(communes)).assessments
    found = {commune.code: eligible[commune.code] for commune in communes if commune.code in eligible}
    missing = [commune for commune in communes if commune.code not in found]
    if missing:
        others = pre_identify(campaign, departement=_single_departement(missing)).assessments
        found.update((commune.code, others[commune.code]) for commune in missing if commune.code in others)
    return found


def _automatic_line(criterion, assessment):
    """A criterion computed from the need score of the commune, brought to the criterion's weight."""
    code = criterion.code
    if code not in NEED_WEIGHTS:
        return Line(criterion, 0.0, f"Aucun calcul connu pour le critère « {code} » : 0 point.")
    if assessment is None:
        return Line(criterion, 0.0, "Commune absente des données du territoire de l'appel : 0 point.")
    need_points, text = assessment.components[code]
    points = _round(Decimal(str(need_points)) * criterion.weight / NEED_WEIGHTS[code])
    explanation = (
        f"{text} : {_decimal(need_points)}/{NEED_WEIGHTS[code]} au score de besoin "
        f"({NEED_LABELS[code].lower()}), soit {_decimal(points)}/{criterion.weight}"
    )
    return Line(criterion, points, explanation)


def _classes(uais):
    """{uai: classes at the latest rentrée known} (absent when unknown)."""
    figures = SchoolFigure.objects.filter(school_id__in=uais, variable=Variable.CLASSES, value__isnull=False)
    latest = dict(figures.values_list("school_id", "value").order_by("rentree"))  # later rentrées overwrite
    return {uai: int(value) for uai, value in latest.items()}


def _eligible_cost(campaign, estimated, scored):
    """The estimated cost within the campaign's ceilings, and how it was obtained."""
    if estimated is None:
        return None, "coût estimé non renseigné"
    if scored.classes is None and campaign.ceiling_per_class is not None:
        # The number of classes is not known for every school: only the ceiling per school applies.
        per_school = campaign.ceiling_per_school
        ceiling = None if per_school is None else per_school * scored.schools
        note = "nombre de classes N.C. : plafond par classe non appliqué"
    else:
        ceiling = campaign.cost_ceiling(scored.schools, scored.classes or 0)
        note = ""
    if ceiling is not None and estimated > ceiling:
        explanation = f"coût estimé {_euros(estimated)} ramené au plafond de {_euros(ceiling)}"
        cost = ceiling
    else:
        explanation = f"coût estimé {_euros(estimated)}" + ("" if ceiling is None else " (sous le plafond)")
        cost = estimated
    return cost, f"{explanation} ; {note}" if note else explanation


def _euros(amount):
    return f"{amount:,.0f} €".replace(",", "\u202f")


# The committee.


@dataclass
class Committee:
    """The ranking of the dossiers in instruction and the comparison of the two selections."""

    scores: CampaignScores
    constraints: Constraints
    comparison: object = None  # selection.Comparison, None when infeasible or without candidate
    infeasible: str = ""

    @property
    def candidates(self):
        return [s for s in self.scores.ranked if s.cost is not None]

    @property
    def without_cost(self):
        return [s for s in self.scores.ranked if s.cost is None]

    @property
    def by_key(self):
        return {s.key: s for s in self.scores.applications}

    @property
    def blocking(self):
        """Why the optimal selection cannot be arrested now ("" when it can)."""
        if self.infeasible:
            return self.infeasible
        if self.comparison is None:
            return "Aucun dossier en instruction n'est entièrement noté."
        if self.scores.pending:
            return (
                f"{len(self.scores.pending)} dossier(s) en instruction ne sont pas encore entièrement notés : la "
                "sélection s'arrête quand tous le sont (ou ont été classés sans suite)."
            )
        if self.without_cost:
            return f"{len(self.without_cost)} dossier(s) sans coût estimé : à compléter avant de décider."
        return ""

    @property
    def selected_keys(self):
        """The optimal selection as a stable text, to check that the committee arrests what it saw."""
        return ",".join(sorted(c.key for c in self.comparison.optimal.selected)) if self.comparison else ""


def constraints_of(campaign):
    return Constraints(
        budget=campaign.budget,
        laureates_min=campaign.laureates_min,
        laureates_max=campaign.laureates_max,
        cap=campaign.cap_per_departement,
    )


def committee(campaign):
    """The dossiers in instruction ranked, and the optimal selection beside the greedy one."""
    scores = score_campaign(campaign, campaign.applications.filter(state=State.IN_INSTRUCTION))
    constraints = constraints_of(campaign)
    result = Committee(scores, constraints)
    candidates = [
        Candidate(
            key=s.key,
            score=s.total,
            cost=s.cost,
            departement=s.application.commune.departement.code if s.application.commune.departement_id else "",
            label=s.application.commune.name,
        )
        for s in result.candidates
    ]
    if candidates:
        try:
            result.comparison = compare(candidates, constraints, waiting=WAITING_LIST)
        except Infeasible as error:
            result.infeasible = str(error)
    return result


@transaction.atomic
def arrest(campaign, user, seen=None, notify=None):
    """Apply the optimal selection: selected dossiers accepted, the others refused with the reason of their outcome,
    the waiting list ranked. `seen` is the selection the committee looked at (Committee.selected_keys): if scores
    changed since, nothing is done. `notify(event)` is called for each change of state (the commune's e-mail).
    Returns the Committee applied."""
    require(user, "ami.arrest", campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.results_published_at:
        raise ValidationError("Les résultats sont déjà publiés.")
    if campaign.applications.filter(state=State.ACCEPTED).exists():
        raise ValidationError(
            "Des dossiers sont déjà retenus : la sélection a déjà été arrêtée. Remettez-les en instruction pour en "
            "arrêter une nouvelle."
        )
    result = committee(campaign)
    if result.blocking:
        raise ValidationError(result.blocking)
    if seen is not None and seen != result.selected_keys:
        raise ValidationError("Les notes ont changé depuis l'affichage : vérifiez la nouvelle sélection.")
    by_key = result.by_key
    waiting = {outcome.candidate.key: rank for rank, outcome in enumerate(result.comparison.optimal.waiting_list, 1)}
    for outcome in result.comparison.optimal.outcomes:
        application = by_key[outcome.candidate.key].application
        application.waiting_rank = waiting.get(outcome.candidate.key)
        if outcome.selected:
            application.decision_reason = f"Retenu par le comité ({_points(outcome.candidate.score)} points)"
            event = application.move(State.ACCEPTED, user, reason=application.decision_reason)
        else:
            application.decision_reason = capfirst(outcome.reason)
            if application.waiting_rank:
                application.decision_reason += f" ; liste d'attente, rang {application.waiting_rank}"
            event = application.move(State.REFUSED, user, reason=application.decision_reason)
        if notify is not None:
            notify(event)
    return result


@transaction.atomic
def publish(campaign, user, now=None):
    """Make the results public, once the selection is arrested."""
    require(user, "ami.publish", campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.results_published_at:
        raise ValidationError("Les résultats sont déjà publiés.")
    if not campaign.applications.filter(state=State.ACCEPTED).exists():
        raise ValidationError("Aucun dossier retenu : arrêtez d'abord la sélection.")
    if campaign.applications.filter(state=State.IN_INSTRUCTION).exists():
        raise ValidationError("Des dossiers sont encore en instruction : décidez-en avant de publier.")
    campaign.results_published_at = now or timezone.now()
    campaign.published_results = frozen_results(results(campaign))
    campaign.save(update_fields=["results_published_at", "published_results"])
    return campaign


# The published results.


@dataclass
class Results:
    campaign: Campaign
    criteria: list
    laureates: list  # ScoredApplication, by rank
    waiting: list  # ScoredApplication, by waiting rank
    received: int  # dossiers submitted at least once

    @property
    def maximum(self):
        return sum(criterion.weight for criterion in self.criteria)


def results(campaign):
    """The laureates and the waiting list, with their points on the grid (public data only)."""
    decided = campaign.applications.filter(
        Q(state=State.ACCEPTED) | Q(state=State.REFUSED, waiting_rank__isnull=False)
    )
    scores = score_campaign(campaign, decided)
    laureates = sorted(
        (s for s in scores.applications if s.application.state == State.ACCEPTED),
        key=lambda s: (-s.total, s.application.commune.code),
    )
    for rank, scored in enumerate(laureates, start=1):
        scored.rank = rank
    waiting = sorted(
        (s for s in scores.applications if s.application.state == State.REFUSED),
        key=lambda s: s.application.waiting_rank,
    )
    received = campaign.applications.filter(submitted_at__isnull=False).count()
    return Results(campaign, scores.criteria, laureates, waiting, received)


def frozen_results(result):
    """The results as plain data, as published: what the public page and its exports show from then on."""

    def row(scored, rank):
        commune = scored.application.commune
        return {
            "rank": rank,
            "code": commune.code,
            "name": commune.name,
            "departement": commune.departement.code if commune.departement_id else "",
            "points": [line.points for line in scored.lines],
            "total": scored.total,
            "cost": scored.cost,
        }

    return {
        "received": result.received,
        "criteria": [
            {"code": c.code, "label": c.label, "weight": c.weight, "automatic": c.automatic} for c in result.criteria
        ],
        "maximum": result.maximum,
        "laureates": [row(scored, scored.rank) for scored in result.laureates],
        "waiting": [row(scored, scored.application.waiting_rank) for scored in result.waiting],
    }


def published(campaign):
    """The published results of a campaign (computed now for results published before they were frozen)."""
    return campaign.published_results or frozen_results(results(campaign))
