"""Choice of the laureates of a call: the optimal selection by integer programming, beside the greedy ranking.

Both choose among candidates (score, cost, département) under the same constraints: the budget, at most
`laureates_max` laureates, at most `cap` per département; the optimal one also takes at least `laureates_min`.
The optimal selection maximises the total score (scipy.optimize.milp, which calls the HiGHS solver); the greedy
one takes candidates by decreasing score and skips what does not fit. Every decision is explained, and the best
candidates not selected form the waiting list.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

TOLERANCE = 1e-6
TIME_LIMIT = 60.0  # seconds; far above what 2,000 candidates take (the solution is then flagged not proven)


class Decision:
    SELECTED = "selected"
    BUDGET = "budget"
    CAP = "cap"
    MAX = "max"
    NOT_BETTER = "not_better"


@dataclass(frozen=True)
class Candidate:
    key: str
    score: float
    cost: int
    departement: str = ""
    label: str = ""


@dataclass
class Outcome:
    """What happened to one candidate, in words."""

    candidate: Candidate
    rank: int  # by score
    decision: str
    reason: str

    @property
    def selected(self):
        return self.decision == Decision.SELECTED


@dataclass
class Constraints:
    budget: int
    laureates_min: int = 0
    laureates_max: int | None = None
    cap: int | None = None  # per département

    def describe(self):
        parts = [f"budget {_euros(self.budget)}"]
        if self.laureates_min:
            parts.append(f"au moins {self.laureates_min} lauréats")
        if self.laureates_max is not None:
            parts.append(f"au plus {self.laureates_max} lauréats")
        if self.cap is not None:
            parts.append(f"au plus {self.cap} par département")
        return ", ".join(parts)


@dataclass
class Selection:
    method: str  # "optimal" or "greedy"
    outcomes: list  # every candidate, by decreasing score
    constraints: Constraints
    proven_optimal: bool = False
    waiting_list: list = field(default_factory=list)

    @property
    def selected(self):
        return [o.candidate for o in self.outcomes if o.selected]

    @property
    def total_score(self):
        return round(sum(c.score for c in self.selected), 6)

    @property
    def total_cost(self):
        return sum(c.cost for c in self.selected)

    @property
    def meets_minimum(self):
        return len(self.selected) >= self.constraints.laureates_min


@dataclass
class Comparison:
    optimal: Selection
    greedy: Selection

    @property
    def gain(self):
        """Points the optimal selection adds to the greedy one."""
        return round(self.optimal.total_score - self.greedy.total_score, 6)


class Infeasible(ValueError):
    """No selection satisfies the constraints; the message says why, in French."""


def compare(candidates, constraints, waiting=10):
    return Comparison(optimal(candidates, constraints, waiting), greedy(candidates, constraints, waiting))


def ranked(candidates):
    """Candidates by decreasing score (cheaper first on a tie, then by key): the order of every table."""
    return sorted(candidates, key=lambda c: (-c.score, c.cost, c.key))


def greedy(candidates, constraints, waiting=10):
    """Take candidates by decreasing score, skipping those that do not fit."""
    chosen, remaining, per_departement = set(), constraints.budget, Counter()
    for candidate in ranked(candidates):
        if _blocking(candidate, len(chosen), remaining, per_departement, constraints) is None:
            chosen.add(candidate.key)
            remaining -= candidate.cost
            per_departement[candidate.departement] += 1
    return _explain("greedy", candidates, chosen, constraints, waiting, proven=False)


def optimal(candidates, constraints, waiting=10):
    """The selection of maximal total score under the constraints (HiGHS branch and bound, zero gap)."""
    candidates = list(candidates)
    _check_feasible(candidates, constraints)
    if not candidates:
        return _explain("optimal", candidates, set(), constraints, waiting, proven=True)
    n = len(candidates)
    scores = np.array([c.score for c in candidates], dtype=float)
    rows, lower, upper = [np.array([c.cost for c in candidates], dtype=float)], [-np.inf], [constraints.budget]
    rows.append(np.ones(n))
    lower.append(constraints.laureates_min)
    upper.append(n if constraints.laureates_max is None else constraints.laureates_max)
    if constraints.cap is not None:
        departements = sorted({c.departement for c in candidates})
        index = {d: i for i, d in enumerate(departements)}
        membership = np.zeros((len(departements), n))
        for j, candidate in enumerate(candidates):
            membership[index[candidate.departement], j] = 1
        rows.extend(membership)
        lower.extend([-np.inf] * len(departements))
        upper.extend([constraints.cap] * len(departements))
    matrix = csr_array(np.vstack(rows))
    result = milp(
        -scores,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0, "time_limit": TIME_LIMIT},
    )
    if result.x is None:
        raise Infeasible(f"Aucune sélection ne respecte ces contraintes ({constraints.describe()}) : {result.message}")
    chosen = {c.key for c, x in zip(candidates, result.x, strict=True) if x > 0.5}
    return _explain("optimal", candidates, chosen, constraints, waiting, proven=result.status == 0)


def _check_feasible(candidates, constraints):
    """Raise Infeasible with the reason when no selection can reach the minimum number of laureates."""
    minimum = constraints.laureates_min
    if not minimum:
        return
    if minimum > len(candidates):
        raise Infeasible(
            f"Impossible de retenir au moins {minimum} lauréats : il n'y a que {len(candidates)} dossier(s)."
        )
    if constraints.laureates_max is not None and minimum > constraints.laureates_max:
        raise Infeasible(
            f"Le minimum de {minimum} lauréats dépasse le maximum de {constraints.laureates_max} lauréats."
        )
    if constraints.cap is not None:
        per_departement = Counter(c.departement for c in candidates)
        reachable = sum(min(count, constraints.cap) for count in per_departement.values())
        if reachable < minimum:
            raise Infeasible(
                f"Impossible de retenir au moins {minimum} lauréats : avec au plus {constraints.cap} lauréat(s) par "
                f"département, les {len(per_departement)} département(s) candidats en permettent au plus {reachable}."
            )
    # The cheapest possible set of `minimum` dossiers (within the caps) must fit in the budget.
    taken, cost, per_departement = 0, 0, Counter()
    for candidate in sorted(candidates, key=lambda c: c.cost):
        if constraints.cap is not None and per_departement[candidate.departement] >= constraints.cap:
            continue
        per_departement[candidate.departement] += 1
        cost += candidate.cost
        taken += 1
        if taken == minimum:
            break
    if cost > constraints.budget:
        raise Infeasible(
            f"Impossible de retenir au moins {minimum} lauréats : les {minimum} dossiers les moins coûteux "
            f"demandent ensemble {_euros(cost)}, au-delà du budget de {_euros(constraints.budget)}."
        )


def _blocking(candidate, count, remaining, per_departement, constraints):
    """Why the candidate cannot be added to a selection in this state (None: it fits)."""
    if constraints.laureates_max is not None and count >= constraints.laureates_max:
        return Decision.MAX
    if constraints.cap is not None and per_departement[candidate.departement] >= constraints.cap:
        return Decision.CAP
    if candidate.cost > remaining:
        return Decision.BUDGET
    return None


def _explain(method, candidates, chosen, constraints, waiting, proven):
    selected = [c for c in candidates if c.key in chosen]
    count = len(selected)
    remaining = constraints.budget - sum(c.cost for c in selected)
    per_departement = Counter(c.departement for c in selected)
    outcomes = []
    for rank, candidate in enumerate(ranked(candidates), start=1):
        if candidate.key in chosen:
            outcomes.append(Outcome(candidate, rank, Decision.SELECTED, "retenu"))
            continue
        decision = _blocking(candidate, count, remaining, per_departement, constraints) or Decision.NOT_BETTER
        reason = {
            Decision.MAX: f"nombre maximal de lauréats atteint ({constraints.laureates_max})",
            Decision.CAP: (
                f"plafond du département {candidate.departement or '?'} atteint ({constraints.cap} lauréat(s))"
            ),
            Decision.BUDGET: f"budget insuffisant : demande {_euros(candidate.cost)}, reste {_euros(remaining)}",
            Decision.NOT_BETTER: "n'augmente pas le total des points",
        }[decision]
        outcomes.append(Outcome(candidate, rank, decision, reason))
    waiting_list = [o for o in outcomes if not o.selected][:waiting]
    return Selection(method, outcomes, constraints, proven_optimal=proven, waiting_list=waiting_list)


def _euros(amount):
    return f"{amount:,.0f} €".replace(",", "\u202f")
