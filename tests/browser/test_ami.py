"""The whole path of a connectivity call in Chromium, through the real pages and with real accounts: a national
administrator creates and opens a call of the académie de Rennes; Marcillé-Raoul deposits its dossier with a PDF
deliberation; an instructor of the académie asks for corrections, the commune corrects and deposits again; two
scorers score it; the committee compares the optimal selection with the greedy one, arrests it and publishes the
results, which an anonymous visitor reads. Each page kind is checked for accessibility.

E-mails: the live server runs in this process, so its mails land in django.core.mail.outbox. On PostgreSQL the server
thread commits each request, and the mails leave at once; on SQLite it shares the test's in-memory connection, inside
the test's transaction, so the mails wait for a commit that never comes: `django_capture_on_commit_callbacks` runs
them at the end of each step.

What the server commits (PostgreSQL) is removed after the test, as are the accounts and the competing dossiers,
which are written as the server writes (`committed`).
"""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from edhub.accounts.models import Role
from edhub.ami.models import Application, Campaign
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import greedy_trap, instructor
from tests.browser.conftest import serious_violations

TITLE = "AMI navigateur — écoles rurales de l’académie de Rennes"
REASON = "Joindre le devis de raccordement de l’école et ramener le coût au devis."
MAYOR_EMAIL = "navigateur-mairie-35164@example.gouv.fr"
CONTACT_EMAIL = "secretariat@marcille-raoul.example.fr"
State = Application.State

# No module-wide django_db mark: it would open the test's transaction before `people` (see below).


@pytest.fixture
def people(django_db_setup, django_db_blocker):
    """The accounts of the path, committed so that the server thread sees them on PostgreSQL too. Requested before
    `sessions` (and its database transaction): torn down after its rollback, with whatever the server committed."""
    with django_db_blocker.unblock():
        accounts = {
            "national": agent(Role.NATIONAL, username="navigateur-national"),
            "mayor": agent(Role.COMMUNE, Level.COMMUNE, "35164", username="navigateur-mairie-35164"),
            "alice": instructor("navigateur-alice", "Alice", "Durand"),
            "bruno": instructor("navigateur-bruno", "Bruno", "Morel"),
        }
    yield accounts
    with django_db_blocker.unblock():
        campaigns = Campaign.objects.filter(title=TITLE)
        authors = list(Application.objects.filter(campaign__in=campaigns).values_list("author_id", flat=True))
        Application.objects.filter(campaign__in=campaigns).delete()
        campaigns.delete()
        users = [user.pk for user in accounts.values()] + authors
        get_user_model().objects.filter(pk__in=users).delete()


@pytest.fixture
def sessions(browser, server_url, db):
    """open(username): a page of its own browser context, logged in as this agent (anonymous without one)."""
    contexts, errors = [], []

    def open_as(username=None):
        context = browser.new_context(base_url=server_url, locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        if username:
            page.goto("/compte/connexion/")
            page.get_by_label("Identifiant").fill(username)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion des agents")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def committed(function, *args):
    """Call `function` where the server thread sees its writes: in a thread of its own on PostgreSQL (its connection
    commits at once), here on SQLite (whose in-memory connection the server thread shares)."""
    if connection.vendor == "sqlite":
        return function(*args)
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except Exception as error:  # raised again in the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def words(locator):
    """The text of an element as shown (cells separated), its white space (tabs, no-break spaces) as single spaces."""
    return " ".join(locator.inner_text().split())


def source_words(locator):
    """The text of an element as written (not upper-cased by a badge's style), white space as single spaces."""
    return " ".join(locator.text_content().split())


def deliberation_pdf(browser, path):
    """A real one-page PDF printed by Chromium: the council's deliberation."""
    page = browser.new_page()
    page.set_content(
        "<h1>Commune de Marcillé-Raoul</h1><p>Extrait du registre des délibérations du conseil municipal.</p>"
        "<p>Le conseil municipal approuve la candidature de la commune à l’appel « connectivité » des écoles.</p>"
    )
    page.pdf(path=path, format="A4")
    page.close()
    return path


def test_a_call_from_its_creation_to_its_published_results(
    people, sessions, browser, tmp_path, django_capture_on_commit_callbacks
):
    today = timezone.localdate()

    # A national administrator creates the call on the académie de Rennes, then opens it.
    national = sessions("navigateur-national")
    national.goto("/ami/")
    national.get_by_role("link", name="Créer un appel").click()
    expect(national.get_by_role("heading", level=1)).to_have_text("Créer un appel « connectivité »")
    national.locator("#id_title").fill(TITLE)
    national.locator("#id_territory").select_option(label="Rennes")
    national.locator("#id_opens_on").fill(f"{today - datetime.timedelta(days=7):%Y-%m-%d}")
    national.locator("#id_closes_on").fill(f"{today + datetime.timedelta(days=30):%Y-%m-%d}")
    national.locator("#id_budget").fill("150000")
    national.locator("#id_laureates_min").fill("1")
    national.locator("#id_laureates_max").fill("3")
    national.get_by_role("button", name="Enregistrer").click()
    expect(national.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(national.get_by_text("Appel créé en brouillon")).to_be_visible()
    national.get_by_role("button", name="Ouvrir l’appel aux candidatures").click()
    expect(
        national.get_by_text("Appel ouvert aux candidatures : ses règles sont figées en version 1.")
    ).to_be_visible()
    campaign = Campaign.objects.get(title=TITLE)
    assert (campaign.status, campaign.territory.name, campaign.version) == (Campaign.Status.OPEN, "Rennes", 1)
    assert list(campaign.criteria.values_list("code", "weight")) == [
        ("connectivite", 30),
        ("ruralite", 15),
        ("social", 15),
        ("projet", 20),
        ("cofinancement", 10),
        ("coherence", 10),
    ]
    # Four dossiers of the Côtes-d'Armor compete, scored by both scorers (Kerpert 89,8 points for 100 000 €,
    # Calanhel 83,6 for 60 000 €, Lanrivain 80,8 for 60 000 €, Plourac'h 73,4 for 70 000 €).
    committed(greedy_trap, campaign, (people["alice"], people["bruno"]))

    # The commune opens the call and deposits its dossier: its école is pre-checked.
    mayor = sessions("navigateur-mairie-35164")
    mayor.goto("/ami/")
    mayor.get_by_role("link", name=TITLE).click()
    mayor.get_by_role("link", name="Déposer une candidature").click()
    expect(mayor.get_by_role("heading", level=1)).to_have_text("Déposer une candidature — Marcillé-Raoul")
    schools = mayor.locator("#ecoles tbody tr")
    expect(schools).to_have_count(1)
    expect(schools.first.get_by_role("checkbox")).to_be_checked()
    expect(schools.first.get_by_role("rowheader")).to_contain_text("0351663T")
    assert serious_violations(mayor) == []
    schools.first.get_by_role("combobox").select_option(label="Cuivre (ADSL, VDSL)")
    schools.first.get_by_role("textbox").fill("3,5")
    mayor.locator("#id_project").fill("Raccordement de l’école en fibre optique et câblage des classes.")
    mayor.locator("#id_estimated_cost").fill("32000")
    mayor.locator("#id_cofunding").fill("6000")
    mayor.locator("#id_contact_name").fill("Camille Martin")
    mayor.locator("#id_contact_email").fill(CONTACT_EMAIL)
    mayor.locator("#id_deliberation").set_input_files(deliberation_pdf(browser, tmp_path / "deliberation.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        mayor.get_by_role("button", name="Déposer la candidature").click()
        expect(mayor.locator("#etat")).to_have_text("Déposé")
    expect(mayor.get_by_role("status")).to_have_text(
        f"La candidature est déposée. Un courriel est envoyé à {CONTACT_EMAIL}, {MAYOR_EMAIL}."
    )
    dossier = Application.objects.get(campaign=campaign, commune__code="35164")
    assert dossier.deliberation.name.endswith(f"deliberation_35164_{campaign.pk}.pdf")
    with dossier.deliberation.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"
    assert serious_violations(mayor) == []

    # An instructor of the académie takes it in instruction and asks for corrections.
    alice = sessions("navigateur-alice")
    alice.goto(f"/ami/{campaign.pk}/")
    alice.get_by_role("link", name="Candidatures reçues").click()
    alice.get_by_role("link", name="Marcillé-Raoul").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Candidature de Marcillé-Raoul (35164)")
    with django_capture_on_commit_callbacks(execute=True):
        alice.get_by_role("button", name="Passer en instruction").click()
        expect(alice.locator("#etat")).to_have_text("En instruction")
    assert serious_violations(alice) == []
    alice.get_by_label("Motif").fill(REASON)
    with django_capture_on_commit_callbacks(execute=True):
        alice.get_by_role("button", name="Demander des compléments à la commune").click()
        expect(alice.locator("#etat")).to_have_text("À compléter par la commune")

    # The commune reads the reason, corrects its dossier and deposits it again.
    mayor.goto(f"/ami/candidatures/{dossier.pk}/")
    expect(mayor.locator("#complements")).to_contain_text(REASON)
    mayor.get_by_role("link", name="Modifier le dossier").click()
    expect(mayor.get_by_role("heading", level=1)).to_have_text("Modifier la candidature — Marcillé-Raoul")
    expect(mayor.locator("#complements")).to_contain_text(REASON)
    expect(mayor.locator("#deliberation-actuelle")).to_contain_text(f"deliberation_35164_{campaign.pk}.pdf")
    assert serious_violations(mayor) == []
    mayor.locator("#id_estimated_cost").fill("30000")
    mayor.locator("#id_project").fill(
        "Raccordement de l’école en fibre optique et câblage des classes, selon le devis joint (30 000 €)."
    )
    with django_capture_on_commit_callbacks(execute=True):
        mayor.get_by_role("button", name="Déposer la candidature").click()
        expect(mayor.locator("#etat")).to_have_text("Déposé")
    expect(mayor.locator("#complements")).to_have_count(0)

    alice.reload()
    with django_capture_on_commit_callbacks(execute=True):
        alice.get_by_role("button", name="Passer en instruction").click()
        expect(alice.locator("#etat")).to_have_text("En instruction")
    history = alice.get_by_role("table", name="Changements d’état du dossier").locator("tbody tr")
    expect(history).to_have_count(5)
    expect(history.nth(2)).to_contain_text(REASON)

    # Two scorers score it on the grid: the criteria computed from data are shown, not entered.
    for scorer, points in (("alice", (16, 8, 7)), ("bruno", (15, 7, 8))):
        page = alice if scorer == "alice" else sessions("navigateur-bruno")
        page.goto(f"/ami/{campaign.pk}/")
        page.get_by_role("link", name="Notation des dossiers").click()
        page.get_by_role("link", name="Noter le dossier de Marcillé-Raoul").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notation du dossier de Marcillé-Raoul")
        automatic = page.locator("#automatic tbody tr")
        expect(automatic).to_have_count(3)
        expect(automatic.first).to_contain_text("29,8 / 30")
        for code, value in zip(("projet", "cofinancement", "coherence"), points, strict=True):
            page.locator(f"#critere-{code}").get_by_label("Points").fill(str(value))
        if scorer == "alice":
            assert serious_violations(page) == []
        page.get_by_role("button", name="Enregistrer ma notation").click()
        expect(page.get_by_role("status")).to_have_text("Votre notation du dossier de Marcillé-Raoul est enregistrée.")
    row = page.locator("#dossiers tbody tr", has_text="Marcillé-Raoul")
    expect(row).to_contain_text("Entièrement noté")
    assert words(row.locator("td").nth(1)) == "81,6 rang 3"

    # The committee: the optimal selection beats the greedy ranking; it is arrested, then published.
    national.goto(f"/ami/{campaign.pk}/")
    national.get_by_role("link", name="Comité de sélection").click()
    expect(national.get_by_role("heading", level=1)).to_have_text("Comité de sélection")
    ranking = national.locator("#ranking tbody tr")
    expect(ranking).to_have_count(5)
    assert words(ranking.nth(2)) == "3 Marcillé-Raoul (35164) 35 29,8 10,0 11,3 15,5 7,5 7,5 81,6 30 000 €"
    summary = national.locator("#summary tbody tr")
    assert [words(summary.nth(i)) for i in range(3)] == [
        "Total des points 246,0 171,4",
        "Coût 150 000 € 130 000 €",
        "Lauréats 3 2",
    ]
    expect(national.locator("#statement")).to_contain_text("Elle obtient 74,6 points de plus sous les mêmes règles.")
    decisions = [
        (words(row.get_by_role("rowheader")), *(source_words(cell) for cell in row.locator("td").all()[-2:]))
        for row in national.locator("#decisions tbody tr").all()
    ]
    budget = "Non retenu Budget insuffisant : demande {} 000 €, reste 20 000 €"
    assert decisions == [  # the commune, then the optimal selection and the greedy ranking
        ("Kerpert (22092)", "Non retenu Nombre maximal de lauréats atteint (3)", "Retenu"),
        ("Calanhel (22024)", "Retenu", budget.format(60)),
        ("Marcillé-Raoul (35164)", "Retenu", "Retenu"),
        ("Lanrivain (22115)", "Retenu", budget.format(60)),
        ("Plourac'h (22231)", "Non retenu Nombre maximal de lauréats atteint (3)", budget.format(70)),
    ]
    assert serious_violations(national) == []
    with django_capture_on_commit_callbacks(execute=True):
        national.get_by_role("button", name="Arrêter la sélection").click()
        expect(national.get_by_role("status")).to_have_text(
            "Sélection arrêtée : 3 dossier(s) retenu(s), 2 non retenu(s) dont 2 sur la liste d'attente."
        )
    national.get_by_role("button", name="Publier les résultats").click()
    expect(national.get_by_role("status")).to_have_text("Les résultats sont publiés.")
    assert serious_violations(national) == []

    # Anyone reads the results: the laureates with their points on the grid, then the waiting list.
    visitor = sessions()
    visitor.goto(f"/ami/{campaign.pk}/")
    visitor.get_by_role("link", name="Voir les lauréats et la liste d’attente").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Résultats de l’appel")
    laureates = visitor.locator("#laureats tbody tr")
    assert [words(row) for row in laureates.all()] == [
        "1 Calanhel (22024) 22 29,6 10,0 15,0 15,0 7,0 7,0 83,6 60 000 €",
        "2 Marcillé-Raoul (35164) 35 29,8 10,0 11,3 15,5 7,5 7,5 81,6 30 000 €",
        "3 Lanrivain (22115) 22 30,0 15,0 8,8 14,0 7,0 6,0 80,8 60 000 €",
    ]
    assert [words(row) for row in visitor.locator("#attente tbody tr").all()] == [
        "1 Kerpert (22092) 22 30,0 15,0 10,8 18,0 8,0 8,0 89,8 100 000 €",
        "2 Plourac'h (22231) 22 29,8 15,0 8,6 10,0 5,0 5,0 73,4 70 000 €",
    ]
    assert serious_violations(visitor) == []

    # Every change of state is logged, and each one the commune or an instructor made was e-mailed to the commune.
    dossier.refresh_from_db()
    assert (dossier.state, dossier.decision_reason) == (State.ACCEPTED, "Retenu par le comité (81,6 points)")
    log = [(e.from_state, e.to_state, e.user.username, e.reason) for e in dossier.events.all()]
    assert log == [
        (State.DRAFT, State.SUBMITTED, "navigateur-mairie-35164", ""),
        (State.SUBMITTED, State.IN_INSTRUCTION, "navigateur-alice", ""),
        (State.IN_INSTRUCTION, State.CORRECTIONS, "navigateur-alice", REASON),
        (State.CORRECTIONS, State.SUBMITTED, "navigateur-mairie-35164", ""),
        (State.SUBMITTED, State.IN_INSTRUCTION, "navigateur-alice", ""),
        (State.IN_INSTRUCTION, State.ACCEPTED, "navigateur-national", "Retenu par le comité (81,6 points)"),
    ]
    # The committee's decision is e-mailed too, with its reason.
    mails = [message for message in mail.outbox if "Marcillé-Raoul" in message.subject]
    assert [(message.subject, message.to) for message in mails] == [
        (f"Candidature de Marcillé-Raoul : {label}", [CONTACT_EMAIL, MAYOR_EMAIL])
        for label in ("Déposé", "En instruction", "À compléter par la commune", "Déposé", "En instruction", "Retenu")
    ]
    assert "Motif :\nRetenu par le comité (81,6 points)\n" in mails[5].body
    assert f"Motif :\n{REASON}\n" in mail.outbox[2].body
    assert f"/ami/candidatures/{dossier.pk}/" in mail.outbox[2].body
