"""Scoring of dossiers on the published grid, on the real data of the test database, and the committee's decision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edhub.accounts.models import Role
from edhub.ami import scoring
from edhub.ami.models import Application
from edhub.territories.models import Level
from tests.ami.factories import campaign_on, dossier_in, give_scores, greedy_trap, instructor

State = Application.State


@pytest.fixture
def campaign(db):
    """An open call of the académie de Rennes (Bretagne) with the default grid."""
    campaign = campaign_on(Level.ACADEMIE, "14", laureates_min=1, budget=120_000)
    campaign.open()
    return campaign


@pytest.fixture
def scorers(db):
    return instructor("alice", "Alice", "Durand"), instructor("bruno", "Bruno", "Morel", Role.NATIONAL)


def lines(scored):
    return {line.criterion.code: line.points for line in scored.lines}


@pytest.mark.django_db
def test_automatic_criteria_come_from_the_need_score_of_the_commune(campaign, scorers):
    # Marcillé-Raoul (35164): 39,7/40 for connectivity, 13,3/20 for rurality, 15,0/20 socially (one REP école).
    dossier = dossier_in(campaign, "35164")
    (scored,) = scoring.score_campaign(campaign).applications
    points = lines(scored)
    assert points["connectivite"] == 29.8  # 39,7 × 30 / 40 = 29,775
    assert points["ruralite"] == 10.0  # 13,3 × 15 / 20 = 9,975
    assert points["social"] == 11.3  # 15,0 × 15 / 20 = 11,25, rounded half up
    assert points["projet"] is None
    (connectivity,) = [line for line in scored.lines if line.criterion.code == "connectivite"]
    assert connectivity.explanation == (
        "99,3 % des locaux sous 30 Mbit/s : 39,7/40 au score de besoin (manque de connectivité), soit 29,8/30"
    )
    assert scored.total == 51.1  # automatic criteria only so far
    assert (scored.maximum, scored.fully_scored, scored.rank, scored.scorers) == (100, False, None, [])
    assert scored.application == dossier
    # Its one école (0351663T) has 4 classes at the rentrée 2022.
    assert (scored.schools, scored.classes, scored.cost) == (1, 4, 50_000)


@pytest.mark.django_db
def test_a_commune_that_is_not_eligible_still_gets_its_points_from_data(campaign):
    dossier_in(campaign, "35238")  # Rennes: 94,4 % of its premises reach 30 Mbit/s, a large urban centre
    (scored,) = scoring.score_campaign(campaign).applications
    points = lines(scored)
    assert points["connectivite"] == 1.7  # 5,6 % below 30 Mbit/s: 2,2/40 → 1,65/30
    assert points["ruralite"] == 0.0
    ruralite = scored.lines[1]
    assert ruralite.explanation == (
        "Grands centres urbains (estimée) : 0,0/20 au score de besoin (ruralité), soit 0,0/15"
    )


@pytest.mark.django_db
def test_manual_criteria_are_the_mean_of_two_scorers_and_the_dossier_is_then_ranked(campaign, scorers):
    alice, bruno = scorers
    dossier = dossier_in(campaign, "35164")
    give_scores(dossier, alice, projet=16, cofinancement=8, coherence=6)
    (scored,) = scoring.score_campaign(campaign).applications
    assert not scored.fully_scored
    assert [(line.criterion.code, line.scorers) for line in scored.missing] == [
        ("projet", 1),
        ("cofinancement", 1),
        ("coherence", 1),
    ]
    give_scores(dossier, bruno, projet=13, cofinancement=7)
    (scored,) = scoring.score_campaign(campaign).applications
    assert not scored.fully_scored  # Bruno has not scored the coherence yet
    assert [line.criterion.code for line in scored.missing] == ["coherence"]
    give_scores(dossier, bruno, coherence=7)
    result = scoring.score_campaign(campaign)
    (scored,) = result.ranked
    assert result.pending == []
    assert (scored.fully_scored, scored.rank) == (True, 1)
    points = lines(scored)
    assert (points["projet"], points["cofinancement"], points["coherence"]) == (14.5, 7.5, 6.5)
    assert scored.total == 79.6  # 29,8 + 10,0 + 11,3 + 14,5 + 7,5 + 6,5
    assert [user.username for user in scored.scorers] == ["alice", "bruno"]
    assert scored.disagreements == []  # 3 points apart on 20, 1 on 10: within a quarter of the weight


@pytest.mark.django_db
def test_a_disagreement_is_flagged_beyond_a_quarter_of_the_weight(campaign, scorers):
    alice, bruno = scorers
    dossier = dossier_in(campaign, "35164")
    give_scores(dossier, alice, projet=18, cofinancement=8, coherence=5)
    give_scores(dossier, bruno, projet=13, cofinancement=5, coherence=7.5)
    (scored,) = scoring.score_campaign(campaign).applications
    # Projet: 5 points apart on 20 (not beyond 5); cofinancement: 3 on 10 (beyond 2,5); cohérence: 2,5 (not beyond).
    assert [line.criterion.code for line in scored.disagreements] == ["cofinancement"]
    (line,) = scored.disagreements
    assert line.spread == 3
    assert line.disagreement_text == (
        "Cofinancement et pérennité : Alice Durand 8, Bruno Morel 5 (écart de 3 points sur 10, au-delà de 2,5)"
    )
    assert scored.fully_scored  # a disagreement does not keep the dossier out of the ranking
    assert lines(scored)["coherence"] == 6.3  # (5 + 7,5) / 2 = 6,25


@pytest.mark.django_db
def test_cost_is_capped_by_the_ceilings_of_the_call(campaign):
    campaign.ceiling_per_class, campaign.ceiling_per_school = 5_000, 30_000
    campaign.save()
    dossier_in(campaign, "35164", estimated_cost=42_000)  # 1 école, 4 classes: ceiling 20 000 €
    dossier_in(campaign, "22092", estimated_cost=42_000)  # Kerpert: classes unknown, only the ceiling per school
    by_code = {s.application.commune.code: s for s in scoring.score_campaign(campaign).applications}
    marcille, kerpert = by_code["35164"], by_code["22092"]
    assert marcille.cost == 20_000
    assert marcille.cost_explanation == "coût estimé 42\u202f000 € ramené au plafond de 20\u202f000 €"
    assert (kerpert.schools, kerpert.classes, kerpert.cost) == (1, None, 30_000)
    assert kerpert.cost_explanation == (
        "coût estimé 42\u202f000 € ramené au plafond de 30\u202f000 € ; "
        "nombre de classes N.C. : plafond par classe non appliqué"
    )


@pytest.mark.django_db
def test_scoring_a_campaign_takes_a_fixed_number_of_queries(campaign, scorers):
    def queries():
        with CaptureQueriesContext(connection) as context:
            scoring.score_campaign(campaign)
        return len(context)

    for code in ("22092", "22024"):
        give_scores(dossier_in(campaign, code), scorers[0], projet=10, cofinancement=5, coherence=5)
    two = queries()
    for code in ("22115", "22231", "29122", "35164"):
        give_scores(dossier_in(campaign, code), scorers[0], projet=10, cofinancement=5, coherence=5)
    assert queries() == two


@pytest.mark.django_db
def test_committee_compares_the_optimal_selection_with_the_greedy_one(campaign, scorers):
    greedy_trap(campaign, scorers)
    result = scoring.committee(campaign)
    assert [(s.application.commune.code, s.total, s.rank) for s in result.scores.ranked] == [
        ("22092", 89.8, 1),
        ("22024", 83.6, 2),
        ("22115", 80.8, 3),
        ("22231", 73.4, 4),
    ]
    optimal, greedy = result.comparison.optimal, result.comparison.greedy
    assert sorted(c.label for c in optimal.selected) == ["Calanhel", "Lanrivain"]
    assert (optimal.total_score, optimal.total_cost) == (164.4, 120_000)
    assert [c.label for c in greedy.selected] == ["Kerpert"]
    assert (greedy.total_score, greedy.total_cost) == (89.8, 100_000)
    assert result.comparison.gain == 74.6
    assert [o.candidate.label for o in optimal.waiting_list] == ["Kerpert", "Plourac'h"]
    assert result.blocking == ""


@pytest.mark.django_db
def test_arresting_the_selection_moves_every_dossier_and_logs_it(campaign, scorers):
    dossiers = greedy_trap(campaign, scorers)
    admin = scorers[1]
    seen = scoring.committee(campaign).selected_keys
    scoring.arrest(campaign, admin, seen=seen)
    states = {
        code: Application.objects.values_list("state", "waiting_rank", "decision_reason").get(pk=dossier.pk)
        for code, dossier in dossiers.items()
    }
    assert states == {
        "22024": (State.ACCEPTED, None, "Retenu par le comité (83,6 points)"),
        "22115": (State.ACCEPTED, None, "Retenu par le comité (80,8 points)"),
        "22092": (
            State.REFUSED,
            1,
            "Budget insuffisant : demande 100\u202f000 €, reste 0 € ; liste d'attente, rang 1",
        ),
        "22231": (State.REFUSED, 2, "Budget insuffisant : demande 70\u202f000 €, reste 0 € ; liste d'attente, rang 2"),
    }
    (event,) = dossiers["22092"].events.all()
    assert (event.from_state, event.to_state, event.user, event.reason) == (
        State.IN_INSTRUCTION,
        State.REFUSED,
        admin,
        "Budget insuffisant : demande 100\u202f000 €, reste 0 € ; liste d'attente, rang 1",
    )
    assert [e.to_state for e in dossiers["22024"].events.all()] == [State.ACCEPTED]
    with pytest.raises(ValidationError, match="la sélection a déjà été arrêtée"):
        scoring.arrest(campaign, admin)

    result = scoring.results(campaign)
    assert [(s.application.commune.name, s.rank, s.total) for s in result.laureates] == [
        ("Calanhel", 1, 83.6),
        ("Lanrivain", 2, 80.8),
    ]
    assert [(s.application.commune.name, s.application.waiting_rank) for s in result.waiting] == [
        ("Kerpert", 1),
        ("Plourac'h", 2),
    ]
    assert result.received == 4
    scoring.publish(campaign, admin)
    campaign.refresh_from_db()
    assert campaign.results_published_at is not None
    with pytest.raises(ValidationError, match="déjà publiés"):
        scoring.publish(campaign, admin)


@pytest.mark.django_db
def test_the_selection_is_not_arrested_on_stale_scores_nor_with_dossiers_left_to_score(campaign, scorers):
    dossiers = greedy_trap(campaign, scorers)
    admin = scorers[1]
    with pytest.raises(ValidationError, match="Les notes ont changé depuis l'affichage"):
        scoring.arrest(campaign, admin, seen="1,2")
    late = dossier_in(campaign, "29122")
    give_scores(late, scorers[0], projet=20, cofinancement=10, coherence=10)
    with pytest.raises(ValidationError) as error:
        scoring.arrest(campaign, admin)
    assert error.value.messages == [
        "1 dossier(s) en instruction ne sont pas encore entièrement notés : la sélection s'arrête quand tous le sont "
        "(ou ont été classés sans suite)."
    ]
    with pytest.raises(PermissionDenied):
        scoring.arrest(campaign, scorers[0])  # an académie agent does not decide
    assert {d.state for d in Application.objects.filter(pk__in=[d.pk for d in dossiers.values()])} == {
        State.IN_INSTRUCTION
    }
    with pytest.raises(ValidationError, match="arrêtez d'abord la sélection"):
        scoring.publish(campaign, admin)


@pytest.mark.django_db
def test_infeasible_rules_are_explained(campaign, scorers):
    campaign.laureates_min = 30
    campaign.save()
    greedy_trap(campaign, scorers)
    result = scoring.committee(campaign)
    assert result.comparison is None
    assert result.infeasible == "Impossible de retenir au moins 30 lauréats : il n'y a que 4 dossier(s)."
    assert result.blocking == result.infeasible
