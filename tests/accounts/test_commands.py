import datetime

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from edhub.accounts.agents import save_agent
from edhub.accounts.models import Role
from edhub.ami import followup, scoring
from edhub.ami.management.commands.demo import CLOSED_CAMPAIGN, DEMO_CAMPAIGN
from edhub.ami.models import (
    Application,
    ApplicationEvent,
    ApplicationSchool,
    Campaign,
    CampaignVersion,
    Score,
)
from edhub.opendata.models import ImportRun

State = Application.State
Stage = ApplicationSchool.Works

pytestmark = pytest.mark.django_db


def test_agent_creates_an_account_with_its_membership(capsys):
    call_command(
        "agent", "mairie-creteil", "--role", "commune", "--territory", "commune:94028", "--password", "x" * 14
    )
    out = capsys.readouterr().out
    assert "Agent mairie-creteil : Commune — Créteil." in out
    user = authenticate(username="mairie-creteil", password="x" * 14)
    held = lambda: [(m.role, m.territory.code, m.is_admin) for m in user.memberships.order_by("pk")]  # noqa: E731
    assert held() == [(Role.COMMUNE, "94028", False)]

    call_command("agent", "mairie-creteil", "--role", "lecteur", "--territory", "departement:94", "--admin")
    assert "Agent mairie-creteil : DSDEN — Val-de-Marne, lecture seule (administrateur)." in capsys.readouterr().out
    assert held() == [(Role.COMMUNE, "94028", False), (Role.READER, "94", True)]  # a second membership
    assert authenticate(username="mairie-creteil", password="x" * 14) is not None  # password kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "commune", "--territory", "commune:99999"], "Territoire inconnu : « commune:99999 »"),
        (["--role", "commune", "--territory", "departement:94"], "territoire de niveau « commune »"),
        (["--role", "national", "--territory", "departement:94"], "n'est rattaché à aucun territoire"),
    ],
)
def test_agent_refuses_a_wrong_territory(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("agent", "quelqu-un", *args)


def test_demo_accounts_and_calls_are_created_once(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo")
    first = capsys.readouterr().out
    accounts = (tmp_path / "demo-comptes.txt").read_text(encoding="utf-8")
    open_call = Campaign.objects.get(title=DEMO_CAMPAIGN)
    assert first == (
        f"Appel de démonstration ouvert : « {DEMO_CAMPAIGN} » (/ami/{open_call.pk}/).\n"
        f"Candidatures de démonstration déposées sur « {DEMO_CAMPAIGN} ».\n"
        f"Appel clos de démonstration, résultats publiés : « {CLOSED_CAMPAIGN} ».\n" + accounts
    )
    lines = accounts.splitlines()
    assert lines[0] == "Comptes de démonstration (page /compte/connexion/ du site) :"
    rows = [line.split(maxsplit=2) for line in lines[1:]]
    assert [(username, about) for username, _, about in rows] == [
        ("demo-national", "(Direction du numérique pour l'éducation (DNE), administrateur national)"),
        ("demo-academie-creteil", "(Académie (DANE) — Créteil)"),
        ("demo-val-de-marne", "(Département — Val-de-Marne)"),
        ("demo-creteil", "(Commune — Créteil)"),
        ("demo-rennes-evaluatrice", "(Académie (DANE) — Rennes)"),
        ("demo-rennes-evaluateur", "(Académie (DANE) — Rennes)"),
        ("demo-mairie-marcille-raoul", "(Commune — Marcillé-Raoul)"),
        ("demo-mairie-broualan", "(Commune — Broualan)"),
    ]
    for username, password, _ in rows:
        assert authenticate(username=username, password=password) is not None, username
    # The agents of the other candidate communes are the authors of their dossiers, without a password.
    authors = get_user_model().objects.filter(username__startswith="demo-mairie-").order_by("username")
    assert [(user.username, user.has_usable_password()) for user in authors] == [
        ("demo-mairie-broualan", True),
        ("demo-mairie-calanhel", False),
        ("demo-mairie-caro", False),
        ("demo-mairie-commana", False),
        ("demo-mairie-kerpert", False),
        ("demo-mairie-la-couyere", False),
        ("demo-mairie-lalleu", False),
        ("demo-mairie-langon", False),
        ("demo-mairie-lanrivain", False),
        ("demo-mairie-laz", False),
        ("demo-mairie-marcille-raoul", True),
        ("demo-mairie-plourach", False),
        ("demo-mairie-reminiac", False),
        ("demo-mairie-rives-du-couesnon", False),
        ("demo-mairie-saint-malon-sur-mel", False),
        ("demo-mairie-saint-sulpice-des-landes", False),
    ]

    # The open call: the best-ranked eligible communes of the académie de Rennes at each step.
    assert (open_call.status, open_call.version, open_call.territory.code) == (Campaign.Status.OPEN, 1, "FR")
    assert (open_call.laureates_min, open_call.laureates_max, open_call.cap_per_departement) == (5, 50, 3)
    assert open_call.criteria.count() == 6
    dossiers = {a.commune.code: a for a in open_call.applications.select_related("commune", "author").order_by("pk")}
    assert {code: (a.commune.name, a.state, a.author.username) for code, a in dossiers.items()} == {
        "35164": ("Marcillé-Raoul", State.DRAFT, "demo-mairie-marcille-raoul"),
        "35290": ("Saint-Malon-sur-Mel", State.SUBMITTED, "demo-mairie-saint-malon-sur-mel"),
        "35044": ("Broualan", State.CORRECTIONS, "demo-mairie-broualan"),
        "22092": ("Kerpert", State.IN_INSTRUCTION, "demo-mairie-kerpert"),
        "22024": ("Calanhel", State.IN_INSTRUCTION, "demo-mairie-calanhel"),
        "22115": ("Lanrivain", State.IN_INSTRUCTION, "demo-mairie-lanrivain"),
        "22231": ("Plourac'h", State.IN_INSTRUCTION, "demo-mairie-plourach"),
        "29122": ("Laz", State.IN_INSTRUCTION, "demo-mairie-laz"),
        "29038": ("Commana", State.IN_INSTRUCTION, "demo-mairie-commana"),
        "56191": ("Réminiac", State.IN_INSTRUCTION, "demo-mairie-reminiac"),
        "56035": ("Caro", State.IN_INSTRUCTION, "demo-mairie-caro"),
    }
    assert dossiers["35164"].missing_fields() == ["courriel du contact"]
    assert [(bool(a.deliberation), a.concerned.count()) for a in dossiers.values()] == [
        (False, 1),
        (True, 1),
        (False, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
    ]
    with dossiers["22092"].deliberation.open("rb") as pdf:
        assert pdf.read(8) == b"%PDF-1.4"
    broualan = [(e.from_state, e.to_state, e.user.username) for e in dossiers["35044"].events.all()]
    assert broualan == [
        (State.DRAFT, State.SUBMITTED, "demo-mairie-broualan"),
        (State.SUBMITTED, State.IN_INSTRUCTION, "demo-rennes-evaluatrice"),
        (State.IN_INSTRUCTION, State.CORRECTIONS, "demo-rennes-evaluatrice"),
    ]
    assert dossiers["35044"].events.last().reason.startswith("La délibération du conseil municipal n'est pas jointe")
    scores = scoring.score_campaign(open_call)
    assert [(s.application.commune.name, s.total, s.rank, s.cost) for s in scores.applications] == [
        ("Kerpert", 86.3, 1, 14_500),
        ("Réminiac", 85.9, 2, 10_500),
        ("Laz", 81.8, 3, 12_000),
        ("Calanhel", 80.6, 4, 13_000),
        ("Lanrivain", 77.3, 5, 15_000),  # 21 000 € estimated, within the ceiling of 15 000 € per école
        ("Commana", 74.3, 6, 15_000),
        ("Caro", 70.4, 7, 13_500),
        ("Plourac'h", 81.4, None, 9_800),  # scored by one scorer only
    ]
    calanhel = scores.applications[3]
    assert [line.disagreement_text for line in calanhel.disagreements] == [
        "Projet pédagogique : Anne Le Goff 17, Yann Morvan 9 (écart de 8 points sur 20, au-delà de 5)"
    ]
    committee = scoring.committee(open_call)  # its page shows the selection; arrested once Plourac'h is scored
    assert [candidate.label for candidate in committee.comparison.optimal.selected] == [
        "Kerpert",
        "Réminiac",
        "Laz",
        "Calanhel",
        "Lanrivain",
        "Commana",
        "Caro",
    ]
    assert committee.blocking == (
        "1 dossier(s) en instruction ne sont pas encore entièrement notés : la sélection s'arrête quand tous le sont "
        "(ou ont été classés sans suite)."
    )

    # The closed call of Ille-et-Vilaine: the next eligible communes, selection arrested, results published.
    closed = Campaign.objects.get(title=CLOSED_CAMPAIGN)
    today = timezone.localdate()
    assert (closed.status, closed.territory.code, closed.opens_on, closed.closes_on) == (
        Campaign.Status.CLOSED,
        "35",
        today - datetime.timedelta(days=200),
        today - datetime.timedelta(days=110),
    )
    assert timezone.localdate(closed.results_published_at) == today - datetime.timedelta(days=60)
    versions = [
        (v.number, v.note, v.created_by.username, timezone.localdate(v.created_at)) for v in closed.versions.all()
    ]
    assert versions == [
        (2, "Clôture", "demo-national", today - datetime.timedelta(days=110)),
        (1, "Ouverture", "demo-national", today - datetime.timedelta(days=200)),
    ]
    results = scoring.results(closed)
    assert [(s.application.commune.name, s.total, s.cost) for s in results.laureates] == [
        ("La Couyère", 75.0, 35_000),
        ("Saint-Sulpice-des-Landes", 73.0, 40_000),  # 45 000 € estimated, 40 000 € per école
        ("Rives-du-Couesnon", 71.4, 95_000),
    ]
    assert [(s.application.commune.name, s.application.waiting_rank) for s in results.waiting] == [
        ("Lalleu", 1),
        ("Langon", 2),
    ]
    assert results.received == 5
    for application in closed.applications.all():
        submitted = timezone.localdate(application.submitted_at)
        assert closed.opens_on <= submitted <= closed.closes_on
        assert [e.to_state for e in application.events.all()][:2] == [State.SUBMITTED, State.IN_INSTRUCTION]
    # Rives-du-Couesnon's four écoles: the first connected by fibre, the others with works planned.
    schools = followup.laureate_schools(closed).filter(application__commune__code="35282")
    assert [(s.school_id, followup.stage_of(s), s.connected_mbps) for s in schools] == [
        ("0350517X", Stage.CONNECTED, 320.0),
        ("0350669M", Stage.PLANNED, None),
        ("0351681M", Stage.PLANNED, None),
        ("0351929G", Stage.PLANNED, None),
    ]
    assert schools[0].connected_on == today - datetime.timedelta(days=20)
    run = ImportRun.objects.get(file_name=f"suivi-ami-{closed.pk}-35282")
    assert run.message.startswith("Mis à jour par demo-mairie-rives-du-couesnon : 0350517X : connectée le ")

    # Running it again changes nothing and prints the accounts.
    counts = demo_counts()
    call_command("demo")
    assert capsys.readouterr().out == accounts
    assert (tmp_path / "demo-comptes.txt").read_text(encoding="utf-8") == accounts
    assert demo_counts() == counts


def demo_counts():
    models = (get_user_model(), Campaign, CampaignVersion, Application, ApplicationEvent, ApplicationSchool, Score)
    return [model.objects.count() for model in (*models, ImportRun)]


def test_demo_keeps_the_accounts_of_an_earlier_demo_and_adds_the_new_ones(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    save_agent("demo-national", Role.NATIONAL, password="ancien-mot-de-passe")
    (tmp_path / "demo-comptes.txt").write_text(
        "Comptes de démonstration (page /compte/connexion/ du site) :\n"
        "  demo-national            ancien-mot-de-passe   (demo-national : Administrateur national)\n",
        encoding="utf-8",
    )
    call_command("demo")
    lines = capsys.readouterr().out.splitlines()
    assert "  demo-national               ancien-mot-de-passe   (demo-national : Administrateur national)" in lines
    assert len([line for line in lines if line.startswith("  demo-")]) == 8
    assert authenticate(username="demo-national", password="ancien-mot-de-passe") is not None
