"""The selection committee of a call and its published results, on a constructed case of real communes."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from edhub.accounts.models import Role
from edhub.ami.management.commands.demo import DEMO_CAMPAIGN
from edhub.ami.models import Application, ApplicationNote, Campaign, Score
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import campaign_on, dossier_in, give_scores, greedy_trap, instructor
from tests.www.utils import text_of

State = Application.State


@pytest.fixture
def campaign(db):
    campaign = campaign_on(
        Level.ACADEMIE, "14", title="AMI connectivité — académie de Rennes", laureates_min=1, budget=120_000
    )
    campaign.open()
    return campaign


@pytest.fixture
def scorers(db):
    return instructor("alice", "Alice", "Durand"), instructor("bruno", "Bruno", "Morel", Role.NATIONAL)


@pytest.fixture
def dossiers(campaign, scorers):
    return greedy_trap(campaign, scorers)


def log_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.django_db
def test_who_sits_on_the_committee(client, campaign, dossiers, scorers):
    url = reverse("ami:committee", args=[campaign.pk])
    assert client.get(url)["Location"] == f"{reverse('accounts:login')}?next={url}"
    log_in(client, agent(Role.COMMUNE, Level.COMMUNE, "22092"))
    assert client.get(url).status_code == 403
    log_in(client, agent(Role.ACADEMIE, Level.ACADEMIE, "24"))  # Créteil: not this call's académie
    assert client.get(url).status_code == 403
    log_in(client, scorers[0])  # Rennes: reads, does not decide
    response = client.get(url)
    assert response.status_code == 200
    assert "Consultation : seul un administrateur national arrête la sélection" in text_of(response)
    assert "Arrêter la sélection" not in text_of(response)
    response = client.post(reverse("ami:committee-arrest", args=[campaign.pk]), {"selection": "x"})
    assert response.status_code == 403
    assert client.post(reverse("ami:committee-publish", args=[campaign.pk])).status_code == 403
    assert set(Application.objects.values_list("state", flat=True)) == {State.IN_INSTRUCTION}


@pytest.mark.django_db
def test_the_committee_sees_the_optimal_selection_beside_the_greedy_one(client, campaign, dossiers, scorers):
    late = dossier_in(campaign, "29122")  # Laz: scored by Alice only
    give_scores(late, scorers[0], projet=20, cofinancement=10, coherence=10)
    dossier_in(campaign, "56191", state=State.CORRECTIONS)  # Réminiac: sent back to the commune
    log_in(client, scorers[1])
    response = client.get(reverse("ami:committee", args=[campaign.pk]))
    text = text_of(response)
    assert (
        "1 dossier déposé ou à compléter n’est pas en instruction : seuls les dossiers en instruction participent à "
        "la sélection."
    ) in text
    assert "Réminiac" not in text
    assert (
        "4 dossiers entièrement notés sont classés. 1 dossier pas encore entièrement noté : hors du classement" in text
    )
    assert "Laz (29122) : à noter encore Projet pédagogique (1 note)" in text
    assert "1 Kerpert (22092) 22 30,0 15,0 10,8 18,0 8,0 8,0 89,8 100 000 €" in text
    assert "Total des points 164,4 89,8 Coût 120 000 € 100 000 € Lauréats 2 1" in text
    assert "ici 164,4 ≥ 89,8 . Elle obtient 74,6 points de plus sous les mêmes règles." in text
    assert (
        "1 Kerpert (22092) 89,8 100 000 € Non retenu Budget insuffisant : demande 100 000 €, reste 0 € Retenu"
    ) in text
    assert (
        "2 Calanhel (22024) 83,6 60 000 € Retenu Non retenu Budget insuffisant : demande 60 000 €, reste 20 000 €"
    ) in text
    assert "Liste d’attente — sélection optimale Kerpert (89,8 points) Plourac'h (73,4 points)" in text
    assert "La sélection ne peut pas encore être arrêtée : 1 dossier(s) en instruction ne sont pas encore" in text
    assert "Arrêter la sélection" not in text


@pytest.mark.django_db
def test_the_committee_table_as_a_download(client, campaign, dossiers, scorers):
    log_in(client, scorers[1])
    response = client.get(reverse("ami:committee-export", args=[campaign.pk, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="comite_ami_{campaign.pk}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-6:] == [
        "Total (sur 100)",
        "Coût retenu (euros)",
        "Sélection optimale",
        "Motif (sélection optimale)",
        "Classement glouton",
        "Motif (classement glouton)",
    ]
    assert [(row[0], row[2], row[-6], row[-4], row[-2]) for row in rows[1:]] == [
        ("1", "Kerpert", "89,8", "Non retenu", "Retenu"),
        ("2", "Calanhel", "83,6", "Retenu", "Non retenu"),
        ("3", "Lanrivain", "80,8", "Retenu", "Non retenu"),
        ("4", "Plourac'h", "73,4", "Non retenu", "Non retenu"),
    ]
    log_in(client, agent(Role.COMMUNE, Level.COMMUNE, "22024"))
    assert client.get(reverse("ami:committee-export", args=[campaign.pk, "xlsx"])).status_code == 403


@pytest.mark.django_db
def test_infeasible_rules_get_a_clear_message(client, campaign, dossiers, scorers):
    campaign.laureates_min, campaign.cap_per_departement = 3, 1
    campaign.save()
    log_in(client, scorers[1])
    text = text_of(client.get(reverse("ami:committee", args=[campaign.pk])))
    assert (
        "Les règles de l’appel ne permettent aucune sélection Impossible de retenir au moins 3 lauréats : avec au "
        "plus "
        "1 lauréat(s) par département, les 1 département(s) candidats en permettent au plus 1."
    ) in text
    assert "Arrêter la sélection" not in text


@pytest.mark.django_db
def test_arresting_then_publishing_the_selection(
    client, campaign, dossiers, scorers, mailoutbox, django_capture_on_commit_callbacks
):
    admin = scorers[1]
    ApplicationNote.objects.create(application=dossiers["22024"], author=admin, text="Maire très impliqué.")
    results_url = reverse("ami:results", args=[campaign.pk])
    assert client.get(results_url).status_code == 404
    assert client.get(reverse("ami:results-export", args=[campaign.pk, "csv"])).status_code == 404

    log_in(client, admin)
    committee_url = reverse("ami:committee", args=[campaign.pk])
    response = client.get(committee_url)
    selection = response.context["result"].selected_keys
    assert selection == ",".join(sorted([str(dossiers["22024"].pk), str(dossiers["22115"].pk)]))
    assert "Arrêter la sélection" in text_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ami:committee-arrest", args=[campaign.pk]), {"selection": selection}, follow=True
        )
    text = text_of(response)
    assert "Sélection arrêtée : 2 dossier(s) retenu(s), 2 non retenu(s) dont 2 sur la liste d'attente." in text
    # Each commune is told of the decision, with its reason.
    assert sorted((m.subject, m.to[0]) for m in mailoutbox) == [
        ("Candidature de Calanhel : Retenu", "mairie-22024@example.fr"),
        ("Candidature de Kerpert : Non retenu", "mairie-22092@example.fr"),
        ("Candidature de Lanrivain : Retenu", "mairie-22115@example.fr"),
        ("Candidature de Plourac'h : Non retenu", "mairie-22231@example.fr"),
    ]
    assert "Calanhel (22024) — 83,6 points, 60 000 € Lanrivain (22115) — 80,8 points, 60 000 €" in text
    states = dict(Application.objects.values_list("commune__code", "state"))
    assert states == {"22024": "accepted", "22115": "accepted", "22092": "refused", "22231": "refused"}
    assert [(e.from_state, e.to_state, e.user) for e in dossiers["22231"].events.all()] == [
        (State.IN_INSTRUCTION, State.REFUSED, admin)
    ]
    assert client.get(results_url).status_code == 404  # arrested, not yet published

    client.post(reverse("ami:committee-publish", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.results_published_at is not None
    client.logout()

    text = text_of(client.get(results_url))
    assert "4 dossiers reçus, 2 lauréats, 2 dossiers sur la liste d’attente." in text
    assert "Projet pédagogique 20 moyenne des évaluateurs" in text
    assert "1 Calanhel (22024) 22 29,6 10,0 15,0 15,0 7,0 7,0 83,6 60 000 €" in text
    assert "2 Lanrivain (22115) 22 30,0 15,0 8,8 14,0 7,0 6,0 80,8 60 000 €" in text
    assert "1 Kerpert (22092) 22 30,0 15,0 10,8 18,0 8,0 8,0 89,8 100 000 €" in text
    for private in ("mairie-22024@example.fr", "Maire très impliqué", "Raccordement des écoles", "Alice", "Bruno"):
        assert private not in text

    response = client.get(reverse("ami:results-export", args=[campaign.pk, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="resultats_ami_{campaign.pk}.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeffRésultat;Rang;Code commune;")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        [
            "Résultat",
            "Rang",
            "Code commune",
            "Commune",
            "Département",
            "Besoin de connectivité des écoles (sur 30)",
            "Ruralité de la commune (sur 15)",
            "Priorité sociale (IPS des écoles, REP) (sur 15)",
            "Projet pédagogique (sur 20)",
            "Cofinancement et pérennité (sur 10)",
            "Cohérence avec les plans territoriaux de réseaux (SDTAN, RIP) (sur 10)",
            "Total (sur 100)",
            "Coût retenu (euros)",
        ],
        ["Lauréat", "1", "22024", "Calanhel", "22", "29,6", "10,0", "15,0", "15,0", "7,0", "7,0", "83,6", "60000"],
        ["Lauréat", "2", "22115", "Lanrivain", "22", "30,0", "15,0", "8,8", "14,0", "7,0", "6,0", "80,8", "60000"],
        [
            "Liste d'attente",
            "1",
            "22092",
            "Kerpert",
            "22",
            "30,0",
            "15,0",
            "10,8",
            "18,0",
            "8,0",
            "8,0",
            "89,8",
            "100000",
        ],
        [
            "Liste d'attente",
            "2",
            "22231",
            "Plourac'h",
            "22",
            "29,8",
            "15,0",
            "8,6",
            "10,0",
            "5,0",
            "5,0",
            "73,4",
            "70000",
        ],
    ]
    response = client.get(reverse("ami:results-export", args=[campaign.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == ("Lauréat", 1, "22024", "Calanhel", "22", 29.6, 10, 15, 15, 7, 7, 83.6, 60000)
    assert values[4][:4] == ("Liste d'attente", 2, "22231", "Plourac'h")
    assert len(values) == 5

    # The published results are frozen: a score changed afterwards moves neither the page nor the exports.
    assert Score.objects.filter(application=dossiers["22024"]).update(points=0) > 0
    assert "1 Calanhel (22024) 22 29,6 10,0 15,0 15,0 7,0 7,0 83,6 60 000 €" in text_of(client.get(results_url))
    response = client.get(reverse("ami:results-export", args=[campaign.pk, "csv"]))
    assert "Lauréat;1;22024;Calanhel;22;29,6;10,0;15,0;15,0;7,0;7,0;83,6;60000" in response.content.decode()


@pytest.mark.django_db
def test_a_stale_selection_is_not_arrested(client, campaign, dossiers, scorers):
    log_in(client, scorers[1])
    response = client.post(reverse("ami:committee-arrest", args=[campaign.pk]), {"selection": "1,2"}, follow=True)
    assert "Les notes ont changé depuis l'affichage : vérifiez la nouvelle sélection." in text_of(response)
    assert set(Application.objects.values_list("state", flat=True)) == {State.IN_INSTRUCTION}


@pytest.mark.django_db
def test_the_demo_committee_shows_a_selection_also_after_an_earlier_demo(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(title=DEMO_CAMPAIGN)
    # The demo of an earlier version: 30 laureates at least, no dossier of the Finistère or the Morbihan.
    Application.objects.filter(campaign=campaign, commune__departement__code__in=("29", "56")).delete()
    Campaign.objects.filter(pk=campaign.pk).update(laureates_min=30)
    version = campaign.versions.get()
    version.rules["laureates_min"] = 30
    version.save()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "Règles de l'appel de démonstration mises à jour : Démonstration : au moins 5 lauréats parmi les dossiers "
        "notés de l'appel."
    )
    campaign.refresh_from_db()
    assert (campaign.laureates_min, campaign.version) == (5, 2)
    assert campaign.applications.filter(state=State.IN_INSTRUCTION).count() == 8

    client.force_login(get_user_model().objects.get(username="demo-national"))
    response = client.get(reverse("ami:committee", args=[campaign.pk]))
    assert response.status_code == 200
    selected = ["Kerpert", "Réminiac", "Laz", "Calanhel", "Lanrivain", "Commana", "Caro"]
    assert [candidate.label for candidate in response.context["optimal"].selected] == selected
    assert [candidate.label for candidate in response.context["greedy"].selected] == selected
    text = text_of(response)
    assert "7 dossiers entièrement notés sont classés. 1 dossier pas encore entièrement noté" in text
