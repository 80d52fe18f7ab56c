"""The selection solver on cases whose optimum is known by hand, and against the greedy ranking."""

import random

import pytest

from edhub.ami.selection import Candidate, Constraints, Decision, Infeasible, compare, greedy, optimal


def keys(selection):
    return sorted(c.key for c in selection.selected)


def test_greedy_is_suboptimal_the_solver_finds_the_optimum():
    # Greedy takes A (90 points, 100 k€) and has 20 k€ left; B + C (70 + 60 points, 60 k€ each) are worth more.
    candidates = [
        Candidate("A", 90, 100_000, "01"),
        Candidate("B", 70, 60_000, "02"),
        Candidate("C", 60, 60_000, "03"),
    ]
    result = compare(candidates, Constraints(budget=120_000))
    assert keys(result.greedy) == ["A"]
    assert result.greedy.total_score == 90
    assert keys(result.optimal) == ["B", "C"]
    assert (result.optimal.total_score, result.optimal.total_cost) == (130, 120_000)
    assert result.optimal.proven_optimal
    assert result.gain == 40
    (a,) = [o for o in result.optimal.outcomes if o.candidate.key == "A"]
    assert (a.rank, a.decision) == (1, Decision.BUDGET)
    assert a.reason == "budget insuffisant : demande 100\u202f000 €, reste 0 €"
    assert [o.candidate.key for o in result.optimal.waiting_list] == ["A"]
    b = [o for o in result.greedy.outcomes if o.candidate.key == "B"][0]
    assert b.reason == "budget insuffisant : demande 60\u202f000 €, reste 20\u202f000 €"


def test_cap_per_departement_binds():
    candidates = [
        Candidate("A1", 50, 10, "01"),
        Candidate("A2", 49, 10, "01"),
        Candidate("A3", 48, 10, "01"),
        Candidate("B1", 20, 10, "02"),
        Candidate("C1", 10, 10, "03"),
    ]
    constraints = Constraints(budget=1_000, laureates_max=3, cap=2)
    result = compare(candidates, constraints)
    assert keys(result.optimal) == ["A1", "A2", "B1"]
    assert keys(result.greedy) == ["A1", "A2", "B1"]
    a3 = [o for o in result.optimal.outcomes if o.candidate.key == "A3"][0]
    assert (a3.decision, a3.reason) == (Decision.MAX, "nombre maximal de lauréats atteint (3)")
    without_max = optimal(candidates, Constraints(budget=1_000, cap=2))
    assert keys(without_max) == ["A1", "A2", "B1", "C1"]
    a3 = [o for o in without_max.outcomes if o.candidate.key == "A3"][0]
    assert (a3.decision, a3.reason) == (Decision.CAP, "plafond du département 01 atteint (2 lauréat(s))")


def test_minimum_of_laureates_changes_the_optimum():
    # Without a minimum: A alone (100 points). With at least 2 laureates: the best pair within budget, B + C.
    candidates = [Candidate("A", 100, 90, "01"), Candidate("B", 40, 50, "02"), Candidate("C", 30, 50, "03")]
    assert keys(optimal(candidates, Constraints(budget=100))) == ["A"]
    assert keys(optimal(candidates, Constraints(budget=100, laureates_min=2))) == ["B", "C"]
    greedy_selection = greedy(candidates, Constraints(budget=100, laureates_min=2))
    assert keys(greedy_selection) == ["A"]
    assert not greedy_selection.meets_minimum


@pytest.mark.parametrize(
    ("candidates", "constraints", "message"),
    [
        (
            [Candidate("A", 1, 10, "01")],
            Constraints(budget=100, laureates_min=2),
            "Impossible de retenir au moins 2 lauréats : il n'y a que 1 dossier(s).",
        ),
        (
            [Candidate("A", 1, 60, "01"), Candidate("B", 1, 50, "02"), Candidate("C", 1, 70, "03")],
            Constraints(budget=100, laureates_min=2),
            "Impossible de retenir au moins 2 lauréats : les 2 dossiers les moins coûteux demandent ensemble "
            "110 €, au-delà du budget de 100 €.",
        ),
        (
            [Candidate("A", 1, 1, "01"), Candidate("B", 1, 1, "01"), Candidate("C", 1, 1, "02")],
            Constraints(budget=100, laureates_min=3, cap=1),
            "Impossible de retenir au moins 3 lauréats : avec au plus 1 lauréat(s) par département, les 2 "
            "département(s) candidats en permettent au plus 2.",
        ),
    ],
)
def test_infeasible_minimum_says_why(candidates, constraints, message):
    with pytest.raises(Infeasible) as error:
        optimal(candidates, constraints)
    assert str(error.value) == message


def test_optimum_is_never_below_greedy_on_random_cases():
    rng = random.Random(20260105)
    for _ in range(200):
        candidates = [
            Candidate(str(i), round(rng.uniform(0, 100), 1), rng.randrange(1, 50), rng.choice("ABCD"))
            for i in range(rng.randrange(1, 25))
        ]
        constraints = Constraints(
            budget=rng.randrange(20, 300),
            laureates_max=rng.choice([None, rng.randrange(1, 10)]),
            cap=rng.choice([None, rng.randrange(1, 5)]),
        )
        result = compare(candidates, constraints)
        assert result.optimal.total_score >= result.greedy.total_score - 1e-6
        for selection in (result.optimal, result.greedy):
            assert selection.total_cost <= constraints.budget
            if constraints.laureates_max is not None:
                assert len(selection.selected) <= constraints.laureates_max
            if constraints.cap is not None:
                per = [c.departement for c in selection.selected]
                assert all(per.count(d) <= constraints.cap for d in set(per))


def test_optimum_matches_brute_force_on_small_cases():
    rng = random.Random(7)
    for _ in range(60):
        n = rng.randrange(1, 9)
        candidates = [
            Candidate(str(i), rng.randrange(0, 50), rng.randrange(1, 20), rng.choice("AB")) for i in range(n)
        ]
        constraints = Constraints(budget=rng.randrange(5, 60), laureates_max=rng.randrange(1, 6), cap=2)
        best = 0
        for mask in range(1 << n):
            chosen = [c for i, c in enumerate(candidates) if mask >> i & 1]
            per = [c.departement for c in chosen]
            if (
                sum(c.cost for c in chosen) <= constraints.budget
                and len(chosen) <= constraints.laureates_max
                and all(per.count(d) <= 2 for d in per)
            ):
                best = max(best, sum(c.score for c in chosen))
        assert optimal(candidates, constraints).total_score == best
