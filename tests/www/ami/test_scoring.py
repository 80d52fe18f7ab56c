"""Scoring pages of the connectivity call: who scores which dossier, the status of each dossier, the form."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from edhub.accounts.models import Role
from edhub.ami.models import Application, Score
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import CampaignFactory, campaign_on, dossier_in, give_scores, instructor
from tests.www.utils import text_of


@pytest.fixture
def campaign(db):
    campaign = campaign_on(Level.ACADEMIE, "14", title="AMI connectivité — académie de Rennes", laureates_min=1)
    campaign.open()
    return campaign


@pytest.fixture
def alice(db):
    return instructor("alice", "Alice", "Durand")


@pytest.fixture
def bruno(db):
    return instructor("bruno", "Bruno", "Morel", Role.NATIONAL)


def log_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login_page(client, campaign):
    dossier = dossier_in(campaign, "35164")
    for url in (reverse("ami:scoring", args=[campaign.pk]), reverse("ami:score", args=[campaign.pk, dossier.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.django_db
def test_a_commune_agent_cannot_score_even_its_own_dossier(client, campaign):
    dossier = dossier_in(campaign, "35164")
    log_in(client, agent(Role.COMMUNE, Level.COMMUNE, "35164"))
    assert client.get(reverse("ami:scoring", args=[campaign.pk])).status_code == 403
    url = reverse("ami:score", args=[campaign.pk, dossier.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"points_projet": "20"}).status_code == 403
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_an_academie_agent_scores_only_the_dossiers_of_its_academie(client, campaign):
    france = CampaignFactory(title="AMI connectivité — France", laureates_min=1)
    france.open()
    dossier = dossier_in(france, "35164")
    log_in(client, agent(Role.ACADEMIE, Level.ACADEMIE, "24"))  # Créteil, not Rennes
    text = text_of(client.get(reverse("ami:scoring", args=[france.pk])))
    assert "Aucun dossier en instruction à noter pour vous dans cet appel." in text
    assert "Marcillé-Raoul" not in text
    url = reverse("ami:score", args=[france.pk, dossier.pk])
    assert client.get(url).status_code == 404
    data = {"points_projet": "20", "points_cofinancement": "10", "points_coherence": "10"}
    assert client.post(url, data).status_code == 404
    # A call of the académie de Rennes: no commune of Créteil may apply, its scoring is not for Créteil.
    response = client.get(reverse("ami:scoring", args=[campaign.pk]))
    assert response.status_code == 403
    assert (
        "L'appel couvre Rennes : aucune commune de l'académie de Créteil ne peut y candidater, votre académie "
        "n'en instruit aucun dossier."
    ) in text_of(response)
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_the_list_shows_each_dossier_s_scorers_and_disagreements(client, campaign, alice, bruno):
    marcille = dossier_in(campaign, "35164")
    give_scores(marcille, alice, projet=18, cofinancement=8, coherence=5)
    give_scores(marcille, bruno, projet=13, cofinancement=5, coherence=7.5)
    give_scores(dossier_in(campaign, "22092"), alice, projet=12, cofinancement=6, coherence=6)
    dossier_in(campaign, "29122")
    dossier_in(campaign, "56191", state=Application.State.SUBMITTED)  # not in instruction: not listed
    log_in(client, bruno)
    response = client.get(reverse("ami:scoring", args=[campaign.pk]))
    text = text_of(response)
    assert "3 dossiers en instruction, 1 entièrement noté, 1 avec désaccord." in text
    assert "Réminiac" not in text
    assert (
        "Marcillé-Raoul (35164) 35 79,4 rang 1 Entièrement noté Alice Durand, Bruno Morel "
        "Désaccord Cofinancement et pérennité : Alice Durand 8, Bruno Morel 5 (écart de 3 points sur 10, au-delà de "
        "2,5) Réviser ma notation le dossier de Marcillé-Raoul"
    ) in text
    # Marcillé-Raoul: 51,1 points from data + 15,5 + 6,5 + 6,3 (means); Kerpert: 55,8 + 24 from Alice alone.
    assert (
        "Kerpert (22092) 22 79,8 (provisoire) 1 évaluateur Alice Durand À noter encore : Projet pédagogique "
        "(1 note sur 2), Cofinancement et pérennité (1 note sur 2), Cohérence avec les plans territoriaux de réseaux "
        "(SDTAN, RIP) (1 note sur 2) — Noter le dossier de Kerpert"
    ) in text
    assert "Laz (29122) 29 52,3 (provisoire) Aucune note" in text

    # The same table as a download.
    response = client.get(reverse("ami:scoring-export", args=[campaign.pk, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="notation_ami_{campaign.pk}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Rang", "Code commune", "Commune", "État"]
    assert rows[0][-4:] == ["Total (sur 100)", "Évaluateurs", "Entièrement noté", "Désaccords"]
    by_code = {row[1]: row for row in rows[1:]}
    assert sorted(by_code) == ["22092", "29122", "35164"]
    marcille = by_code["35164"]
    assert marcille[:4] == ["1", "35164", "Marcillé-Raoul", "En instruction"]
    assert marcille[-4:] == [
        "79,4",
        "Alice Durand, Bruno Morel",
        "oui",
        "Cofinancement et pérennité : Alice Durand 8, Bruno Morel 5 (écart de 3 points sur 10, au-delà de 2,5)",
    ]
    assert by_code["22092"][0] == ""  # not fully scored: no rank yet
    assert by_code["22092"][-4:] == ["79,8", "Alice Durand", "non", ""]
    response = client.get(reverse("ami:scoring-export", args=[campaign.pk, "xlsx"]))
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 4


@pytest.mark.django_db
def test_a_scorer_scores_then_revises_its_own_points_only(client, campaign, alice, bruno):
    dossier = dossier_in(campaign, "35164")
    give_scores(dossier, bruno, projet=13, cofinancement=5, coherence=7.5)
    url = reverse("ami:score", args=[campaign.pk, dossier.pk])
    log_in(client, alice)
    response = client.get(url)
    text = text_of(response)
    assert (
        "Besoin de connectivité des écoles 29,8 / 30 99,3 % des locaux sous 30 Mbit/s : 39,7/40 au score de besoin "
        "(manque de connectivité), soit 29,8/30"
    ) in text
    assert "Priorité sociale (IPS des écoles, REP) 11,3 / 15" in text
    assert "0351663T ECOLE ELEMENTAIRE PUBLIQUE DE MARCILLE RAOUL" in text
    assert "Bruno Morel" not in text  # the others' points once one has scored, not before
    assert 'name="points_projet"' in response.content.decode()
    assert 'name="points_connectivite"' not in response.content.decode()

    invalid = {"points_projet": "12,5", "points_cofinancement": "11", "points_coherence": "", "comment_projet": "x"}
    response = client.post(url, invalid)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "points_cofinancement": ["Entre 0 et 10 points."],
        "points_coherence": ["Ce champ est obligatoire."],
    }
    assert not Score.objects.filter(scorer=alice).exists()

    valid = {
        "points_projet": "12,5",
        "points_cofinancement": "8",
        "points_coherence": "6",
        "comment_projet": "Projet clair, calendrier réaliste.",
    }
    response = client.post(url, valid)
    assert response.status_code == 302
    assert response["Location"] == reverse("ami:scoring", args=[campaign.pk])
    mine = Score.objects.filter(scorer=alice).order_by("criterion__position")
    assert [(s.criterion.code, s.points, s.comment) for s in mine] == [
        ("projet", 12.5, "Projet clair, calendrier réaliste."),
        ("cofinancement", 8.0, ""),
        ("coherence", 6.0, ""),
    ]
    text = text_of(client.get(url))
    assert "Réviser ma notation" in text
    assert "Bruno Morel : 13" in text
    assert "Cofinancement et pérennité (sur 10) Désaccord Bruno Morel : 5" in text

    client.post(url, {**valid, "points_projet": "15", "comment_projet": ""})
    assert Score.objects.get(scorer=alice, criterion__code="projet").points == 15
    assert Score.objects.filter(scorer=alice).count() == 3
    theirs = Score.objects.filter(scorer=bruno).order_by("criterion__position")
    assert [s.points for s in theirs] == [13, 5, 7.5]  # Bruno's points are untouched


@pytest.mark.django_db
def test_a_dossier_out_of_instruction_cannot_be_scored(client, campaign, alice):
    dossier = dossier_in(campaign, "35164", state=Application.State.ACCEPTED)
    log_in(client, alice)
    assert client.get(reverse("ami:score", args=[campaign.pk, dossier.pk])).status_code == 404


@pytest.mark.django_db
def test_the_call_page_links_instructors_to_scoring_and_committee(client, campaign, alice):
    assert "Notation des dossiers" not in text_of(client.get(campaign.get_absolute_url()))
    log_in(client, alice)
    text = text_of(client.get(campaign.get_absolute_url()))
    assert "Notation des dossiers Comité de sélection" in text
