"""The dossier of a commune and its instruction, through the pages, with real accounts on the real data."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from openpyxl import load_workbook

from edhub.accounts.models import Role
from edhub.accounts.scope import membership_of
from edhub.ami.models import Application, ApplicationNote, Campaign
from edhub.inventories.publishing import publish
from edhub.schools.models import School
from edhub.territories.models import Level, Territory
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import campaign_on, one_page_pdf
from tests.inventories.utils import CRETEIL_ECOLE, CRETEIL_ECOLE_2, inventory_csv, row, upload_file
from tests.www.utils import text_of

State = Application.State
PDF = one_page_pdf()
MARCILLE_ECOLE = "0351663T"  # École élémentaire publique de Marcillé-Raoul, the only public école of 35164
# The open public écoles of Créteil (94028) in the annuaire extract: maternelles, élémentaires and primaires,
# one "to close" (0941874B) included; the private écoles and the collèges are not.
CRETEIL_ECOLES = 43


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return user


def open_call(level, code, title, **rules):
    """A call open today (its dates around the day the tests run)."""
    today = timezone.localdate()
    campaign = campaign_on(
        level,
        code,
        title=title,
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=30),
        **rules,
    )
    campaign.open()
    return campaign


@pytest.fixture
def rennes(db):
    return open_call(Level.ACADEMIE, "14", "AMI connectivité — académie de Rennes")


@pytest.fixture
def mayor(db):
    """An agent of Marcillé-Raoul (35164), a rural commune of Ille-et-Vilaine, académie de Rennes."""
    return agent(Role.COMMUNE, Level.COMMUNE, "35164")


def dossier_data(**changes):
    data = {
        f"ecole-{MARCILLE_ECOLE}-concerned": "on",
        f"ecole-{MARCILLE_ECOLE}-technology": "cuivre",
        f"ecole-{MARCILLE_ECOLE}-download_mbps": "2,5",
        "project": "Raccordement de l'école élémentaire à la fibre et classe mobile.",
        "estimated_cost": "42000",
        "cofunding": "8400",
        "contact_name": "Camille Martin",
        "contact_email": "mairie@marcille-raoul.fr",
        "action": "draft",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def submitted_dossier(campaign, mayor, client, django_capture_on_commit_callbacks):
    """Marcillé-Raoul deposits its complete dossier through the form."""
    login(client, mayor)
    data = dossier_data(action="submit", deliberation=ContentFile(PDF, name="deliberation.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ami:application-new", args=[campaign.pk]), data)
    application = Application.objects.get(campaign=campaign, commune__code="35164")
    assert response.status_code == 302
    assert response["Location"] == reverse("ami:application", args=[application.pk])
    client.logout()
    return application


@pytest.mark.django_db
def test_campaign_page_offers_each_account_its_way_in(client, rennes, mayor):
    url = rennes.get_absolute_url()
    assert "Déposer une candidature" not in text_of(client.get(url))  # anonymous
    login(client, agent(Role.COMMUNE, Level.COMMUNE, "94028"))  # Créteil: outside the académie de Rennes
    text = text_of(client.get(url))
    assert "Déposer une candidature" not in text
    assert "Candidatures reçues" not in text
    login(client, mayor)
    response = client.get(url)
    assert reverse("ami:application-new", args=[rennes.pk]) in response.content.decode()
    assert "Déposer une candidature" in text_of(response)
    application = Application.objects.create(campaign=rennes, commune=membership_of(mayor).territory, author=mayor)
    text = text_of(client.get(url))
    assert "Voir ma candidature Brouillon" in text
    assert "Déposer une candidature" not in text
    # The form of a new dossier leads to the existing one.
    response = client.get(reverse("ami:application-new", args=[rennes.pk]))
    assert response["Location"] == reverse("ami:application", args=[application.pk])
    login(client, agent(Role.ACADEMIE, Level.ACADEMIE, "14"))
    response = client.get(url)
    assert reverse("ami:applications", args=[rennes.pk]) in response.content.decode()
    assert "Candidatures reçues" in text_of(response)


@pytest.mark.django_db
def test_a_closed_call_or_a_commune_outside_cannot_open_a_dossier(client, mayor):
    closed = campaign_on(Level.ACADEMIE, "14", title="AMI 2026", status=Campaign.Status.CLOSED)
    login(client, mayor)
    text = text_of(client.get(closed.get_absolute_url()))
    message = (
        "Cet appel ne reçoit pas de candidature aujourd'hui : les candidatures sont reçues du 05/01/2026 au "
        "31/03/2026, appel ouvert."
    )
    assert message in text
    assert "Déposer une candidature" not in text
    response = client.get(reverse("ami:application-new", args=[closed.pk]))
    assert response.status_code == 403
    assert message in text_of(response)
    rennes = open_call(Level.ACADEMIE, "14", "AMI connectivité — académie de Rennes")
    login(client, agent(Role.COMMUNE, Level.COMMUNE, "94028"))
    response = client.post(reverse("ami:application-new", args=[rennes.pk]), dossier_data())
    assert response.status_code == 403
    assert "Créteil n'est pas dans le territoire de l'appel (Rennes)." in text_of(response)
    login(client, agent(Role.DEPARTEMENT, Level.DEPARTEMENT, "35"))
    response = client.get(reverse("ami:application-new", args=[rennes.pk]))
    assert response.status_code == 403
    assert "Une candidature est déposée par un agent habilité d'une commune, pour sa commune." in text_of(response)
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_new_dossier_prefills_the_open_public_ecoles_with_their_declared_connection(client):
    creteil = Territory.objects.get(level=Level.COMMUNE, code="94028")
    # Créteil is urban: a call open to every commune, where its école declared on copper makes it eligible.
    campaign = open_call(Level.ACADEMIE, "24", "AMI connectivité — académie de Créteil", rural_only=False)
    mayor = agent(Role.COMMUNE, Level.COMMUNE, "94028")
    rows = [
        row(CRETEIL_ECOLE),  # fibre, 95,5 Mbit/s measured
        row(CRETEIL_ECOLE_2, **{"Technologie de connexion": "cuivre", "Débit descendant mesuré (Mbit/s)": "7"}),
    ]
    publish(upload_file(mayor, inventory_csv(rows)), mayor)
    login(client, mayor)
    response = client.get(reverse("ami:application-new", args=[campaign.pk]))
    assert response.status_code == 200
    rows = response.context["rows"]
    expected = School.objects.filter(
        commune=creteil, sector="public", kind__in=("ecole_maternelle", "ecole_elementaire", "ecole_primaire")
    ).exclude(state="closed")
    assert len(rows) == CRETEIL_ECOLES == expected.count()
    uais = {r.school.uai for r in rows}
    assert {"0941874B", CRETEIL_ECOLE, CRETEIL_ECOLE_2} <= uais  # "to close" is still open
    assert not uais & {"0940970U", "0941428S", "0941351H"}  # private écoles, a collège
    prefilled = {r.school.uai: r.form.initial for r in rows}
    assert prefilled[CRETEIL_ECOLE] == {"concerned": True, "technology": "fibre", "download_mbps": 95.5}
    assert prefilled[CRETEIL_ECOLE_2] == {"concerned": True, "technology": "cuivre", "download_mbps": 7.0}
    assert prefilled["0941874B"] == {"concerned": True, "technology": "", "download_mbps": None}
    html = response.content.decode()
    assert f'name="ecole-{CRETEIL_ECOLE}-download_mbps" value="95,5"' in html
    assert '<option value="fibre" selected>' in html
    text = text_of(response)
    assert "Ecole élémentaire Charles Beuvin A (0940197D) École élémentaire Rentrée 2025 : Fibre optique" in text
    assert "Fibre optique (FttH, FttO), 95,5 Mbit/s" in text
    assert "Aucune déclaration" in text
    # 41 288 of the 44 298 premises of Créteil reach 30 Mbit/s (Arcep, September 2019).
    assert "(Arcep, Ma connexion internet, 2019-09-30) : 93,2 % des 44 298 locaux de Créteil" in text


@pytest.mark.django_db
def test_draft_saved_then_a_deposit_says_exactly_what_is_missing(client, rennes, mayor):
    login(client, mayor)
    response = client.get(reverse("ami:application-new", args=[rennes.pk]))
    assert [(r.school.uai, r.form.initial) for r in response.context["rows"]] == [
        (MARCILLE_ECOLE, {"concerned": True, "technology": "", "download_mbps": None})
    ]
    assert "73 élèves, 4 classes (rentrée 2022)" in text_of(response)
    assert "0,7 % des 285 locaux de Marcillé-Raoul sont éligibles à 30 Mbit/s" in text_of(response)
    data = dossier_data(action="submit", estimated_cost="", contact_name="", contact_email="")
    response = client.post(reverse("ami:application-new", args=[rennes.pk]), data)
    assert response.status_code == 200
    application = Application.objects.get(campaign=rennes, commune__code="35164")
    text = text_of(response)
    assert (
        "La candidature n’est pas déposée Dossier incomplet, à renseigner : coût estimé, nom du contact, "
        "courriel du contact. Vos saisies sont enregistrées dans le brouillon."
    ) in text
    assert response.context["form"].errors == {
        "estimated_cost": ["À renseigner pour déposer la candidature."],
        "contact_name": ["À renseigner pour déposer la candidature."],
        "contact_email": ["À renseigner pour déposer la candidature."],
    }
    assert f'action="{reverse("ami:application-edit", args=[application.pk])}"' in response.content.decode()
    assert (application.state, application.project, application.author) == (
        State.DRAFT,
        "Raccordement de l'école élémentaire à la fibre et classe mobile.",
        mayor,
    )
    assert list(application.concerned.values_list("school_id", "technology", "download_mbps")) == [
        (MARCILLE_ECOLE, "cuivre", 2.5)
    ]
    assert application.events.count() == 0
    assert mail.outbox == []
    # The draft page lists what is missing; no école checked any more is missing too.
    data = dossier_data(**{f"ecole-{MARCILLE_ECOLE}-concerned": None, "estimated_cost": ""})
    response = client.post(reverse("ami:application-edit", args=[application.pk]), data)
    assert response["Location"] == reverse("ami:application", args=[application.pk])
    text = text_of(client.get(response["Location"]))
    assert "Vos saisies sont enregistrées. Déposez le dossier quand il est complet." in text
    assert "Pour déposer la candidature, renseignez : coût estimé, écoles concernées." in text
    assert "Aucune école n’est encore cochée." in text
    # Deposited from the dossier page, it stays a draft and says why.
    response = client.post(reverse("ami:application-move", args=[application.pk]), {"to": State.SUBMITTED})
    assert response.status_code == 200
    assert "Dossier incomplet, à renseigner : coût estimé, écoles concernées." in text_of(response)
    assert Application.objects.get(pk=application.pk).state == State.DRAFT


@pytest.mark.django_db
def test_invalid_entries_save_nothing(client, rennes, mayor):
    login(client, mayor)
    data = dossier_data(
        cofunding="50000",
        contact_email="mairie-at-marcille",
        deliberation=ContentFile(b"MZ\x90\x00" + bytes(100), name="x.exe"),
        **{f"ecole-{MARCILLE_ECOLE}-download_mbps": "-3"},
    )
    response = client.post(reverse("ami:application-new", args=[rennes.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "deliberation": ["Le fichier « x.exe » n'est pas un PDF, un ODT ou un DOCX."],
        "contact_email": ["Saisissez une adresse de courriel valide."],
        "cofunding": ["Le cofinancement ne peut pas dépasser le coût estimé."],
    }
    assert response.context["rows"][0].form.errors == {
        "download_mbps": ["Assurez-vous que cette valeur est supérieure ou égale à 0."]
    }
    assert "Le formulaire contient des erreurs" in text_of(response)
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_deposit_notifies_and_the_deliberation_is_kept(client, rennes, mayor, django_capture_on_commit_callbacks):
    application = submitted_dossier(rennes, mayor, client, django_capture_on_commit_callbacks)
    assert (application.state, application.rules_version) == (State.SUBMITTED, 1)
    assert application.deliberation.name == f"ami/deliberations/{timezone.now():%Y}/deliberation_35164_{rennes.pk}.pdf"
    assert [(e.from_state, e.to_state, e.user) for e in application.events.all()] == [
        (State.DRAFT, State.SUBMITTED, mayor)
    ]
    [message] = mail.outbox
    assert message.subject == "Candidature de Marcillé-Raoul : Déposé"
    assert message.to == ["mairie@marcille-raoul.fr", "commune-35164@example.gouv.fr"]
    url = f"http://testserver/ami/candidatures/{application.pk}/"
    assert f"Consulter le dossier : {url}\n" in message.body
    assert "est passée de « Brouillon » à « Déposé »" in message.body
    login(client, mayor)
    text = text_of(client.get(reverse("ami:application", args=[application.pk])))
    assert "Candidature de Marcillé-Raoul (35164) Déposé" in text
    assert "Coût estimé 42 000 €" in text
    assert "Cofinancement 8 400 €" in text
    assert f"deliberation_35164_{rennes.pk}.pdf" in text
    assert (
        "ECOLE ELEMENTAIRE PUBLIQUE DE MARCILLE RAOUL (0351663T) École élémentaire 73 4 Cuivre (ADSL, VDSL) 2,5"
        in text
    )
    assert "Modifier le dossier" not in text  # deposited: no more edits
    assert client.get(reverse("ami:application-edit", args=[application.pk])).status_code == 403
    response = client.get(reverse("ami:application-deliberation", args=[application.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="deliberation_35164_{rennes.pk}.pdf"'
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_instruction_corrections_and_new_deposit(client, rennes, mayor, django_capture_on_commit_callbacks):
    application = submitted_dossier(rennes, mayor, client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    rectorat = login(client, agent(Role.ACADEMIE, Level.ACADEMIE, "14"))
    move = reverse("ami:application-move", args=[application.pk])
    page = text_of(client.get(reverse("ami:application", args=[application.pk])))
    assert "Passer en instruction" in page
    assert "Classer sans suite" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(move, {"to": State.IN_INSTRUCTION})
    # Corrections need a reason: the page says so and nothing changes.
    response = client.post(move, {"to": State.CORRECTIONS, "reason": "  "})
    assert response.status_code == 200
    assert "Un motif écrit est obligatoire pour ce changement d'état." in text_of(response)
    application.refresh_from_db()
    assert application.state == State.IN_INSTRUCTION
    reason = "Joindre le devis de l'opérateur pour le raccordement."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(move, {"to": State.CORRECTIONS, "reason": reason})
    assert response["Location"] == reverse("ami:application", args=[application.pk])
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (
            "Candidature de Marcillé-Raoul : En instruction",
            ["mairie@marcille-raoul.fr", "commune-35164@example.gouv.fr"],
        ),
        (
            "Candidature de Marcillé-Raoul : À compléter par la commune",
            ["mairie@marcille-raoul.fr", "commune-35164@example.gouv.fr"],
        ),
    ]
    assert f"Motif :\n{reason}\n" in mail.outbox[1].body
    # Back to the commune: it sees why, edits and deposits again.
    login(client, mayor)
    text = text_of(client.get(reverse("ami:application", args=[application.pk])))
    with translation.override("fr"):
        today = date_format(timezone.localdate(), "j F Y")
    assert f"Compléments demandés le {today} {reason}" in text
    assert "Modifier le dossier" in text
    response = client.get(reverse("ami:application-edit", args=[application.pk]))
    assert reason in text_of(response)
    assert response.context["rows"][0].form.initial == {
        "concerned": True,
        "technology": "cuivre",
        "download_mbps": 2.5,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ami:application-edit", args=[application.pk]),
            dossier_data(action="submit", estimated_cost="45500"),
        )
    application.refresh_from_db()
    assert (application.state, application.estimated_cost) == (State.SUBMITTED, 45_500)
    assert application.deliberation.name.endswith(".pdf")  # kept when no new file is given
    history = [(e.from_state, e.to_state, e.user.username, e.reason) for e in application.events.all()]
    assert history == [
        ("draft", "submitted", "commune-35164", ""),
        ("submitted", "in_instruction", "academie-14", ""),
        ("in_instruction", "corrections", "academie-14", reason),
        ("corrections", "submitted", "commune-35164", ""),
    ]
    assert mail.outbox[-1].subject == "Candidature de Marcillé-Raoul : Déposé"
    # The instructor decides, then reopens with a reason.
    login(client, rectorat)
    client.post(move, {"to": State.IN_INSTRUCTION})
    client.post(move, {"to": State.ACCEPTED})
    text = text_of(client.get(reverse("ami:application", args=[application.pk])))
    assert "Instruction Motif Obligatoire pour demander des compléments" in text
    assert "Rouvrir l’instruction" in text
    response = client.post(move, {"to": State.IN_INSTRUCTION})
    assert "Un motif écrit est obligatoire pour ce changement d'état." in text_of(response)
    client.post(move, {"to": State.IN_INSTRUCTION, "reason": "Erreur de coût signalée par la commune."})
    application.refresh_from_db()
    assert application.state == State.IN_INSTRUCTION
    text = text_of(client.get(reverse("ami:application", args=[application.pk])))
    assert "Retenu En instruction Erreur de coût signalée par la commune." in text


@pytest.mark.django_db
def test_private_notes_are_never_shown_to_the_commune(client, rennes, mayor, django_capture_on_commit_callbacks):
    application = submitted_dossier(rennes, mayor, client, django_capture_on_commit_callbacks)
    national = login(client, agent(Role.NATIONAL))
    note = "Devis à comparer avec le RIP départemental : coût élevé."
    response = client.post(reverse("ami:application-note", args=[application.pk]), {"text": note})
    assert response["Location"] == reverse("ami:application", args=[application.pk]) + "#annotations"
    assert list(application.notes.values_list("author", "text")) == [(national.pk, note)]
    assert note in text_of(client.get(reverse("ami:application", args=[application.pk])))
    login(client, agent(Role.ACADEMIE, Level.ACADEMIE, "14"))
    assert note in text_of(client.get(reverse("ami:application", args=[application.pk])))
    login(client, mayor)
    page = client.get(reverse("ami:application", args=[application.pk]))
    assert note not in page.content.decode()
    assert "Annotations privées" not in text_of(page)
    response = client.post(reverse("ami:application-note", args=[application.pk]), {"text": "Vu."})
    assert response.status_code == 403
    assert ApplicationNote.objects.count() == 1
    assert mail.outbox[-1].subject == "Candidature de Marcillé-Raoul : Déposé"  # notes send nothing
    assert note not in mail.outbox[-1].body


@pytest.mark.django_db
def test_permissions(client, rennes, mayor, django_capture_on_commit_callbacks):
    application = submitted_dossier(rennes, mayor, client, django_capture_on_commit_callbacks)
    urls = {
        "list": reverse("ami:applications", args=[rennes.pk]),
        "export": reverse("ami:applications-export", args=[rennes.pk, "csv"]),
        "new": reverse("ami:application-new", args=[rennes.pk]),
        "detail": reverse("ami:application", args=[application.pk]),
        "edit": reverse("ami:application-edit", args=[application.pk]),
        "deliberation": reverse("ami:application-deliberation", args=[application.pk]),
    }
    for url in urls.values():  # anonymous
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    move = reverse("ami:application-move", args=[application.pk])
    response = client.post(move, {"to": State.IN_INSTRUCTION})
    assert response["Location"].startswith(reverse("accounts:login"))

    def statuses(user):
        login(client, user)
        return {name: client.get(url).status_code for name, url in urls.items()}

    # Another commune of the académie sees nothing of this dossier.
    assert statuses(agent(Role.COMMUNE, Level.COMMUNE, "35044")) == {
        "list": 403,
        "export": 403,
        "new": 200,
        "detail": 404,
        "edit": 404,
        "deliberation": 404,
    }
    assert client.post(move, {"to": State.SUBMITTED}).status_code == 404
    for user in (agent(Role.READER, Level.DEPARTEMENT, "35"), agent(Role.DEPARTEMENT, Level.DEPARTEMENT, "35")):
        assert statuses(user) == {
            "list": 403,
            "export": 403,
            "new": 403,
            "detail": 404,
            "edit": 404,
            "deliberation": 404,
        }
    # The académie de Créteil neither sees nor instructs a dossier of the académie de Rennes.
    assert statuses(agent(Role.ACADEMIE, Level.ACADEMIE, "24")) == {
        "list": 403,
        "export": 403,
        "new": 403,
        "detail": 404,
        "edit": 404,
        "deliberation": 404,
    }
    assert client.post(move, {"to": State.IN_INSTRUCTION}).status_code == 404
    assert client.post(reverse("ami:application-note", args=[application.pk]), {"text": "x"}).status_code == 404
    assert (
        "L'appel couvre Rennes : aucune commune de l'académie de Créteil ne peut y candidater, votre académie "
        "n'en instruit aucun dossier."
    ) in text_of(client.get(urls["list"]))
    # The commune cannot instruct its own dossier, even with a forged form.
    login(client, mayor)
    response = client.post(move, {"to": State.IN_INSTRUCTION})
    assert response.status_code == 403
    assert "Passage de « Déposé » à « En instruction » non autorisé pour ce compte." in text_of(response)
    assert client.post(move, {"to": State.ACCEPTED}).status_code == 403
    assert client.post(move, {"to": "laureat"}).status_code == 400
    assert client.post(urls["edit"], dossier_data(estimated_cost="1")).status_code == 403
    application.refresh_from_db()
    assert (application.state, application.estimated_cost) == (State.SUBMITTED, 42_000)
    assert application.events.count() == 1


@pytest.mark.django_db
def test_list_counts_filter_and_exports(client, rennes, mayor, django_capture_on_commit_callbacks):
    submitted = submitted_dossier(rennes, mayor, client, django_capture_on_commit_callbacks)
    broualan = Territory.objects.get(level=Level.COMMUNE, code="35044")
    draft = Application.objects.create(
        campaign=rennes, commune=broualan, author=agent(Role.COMMUNE, Level.COMMUNE, "35044"), project="Fibre"
    )
    login(client, agent(Role.NATIONAL))
    response = client.get(reverse("ami:applications", args=[rennes.pk]))
    text = text_of(response)
    assert "les dossiers des communes que vous instruisez, 2 dossiers en tout" in text
    assert "Brouillon 1 Déposé 1 En instruction 0 À compléter par la commune 0 Retenu 0" in text
    assert [a.pk for a in response.context["page"]] == [draft.pk, submitted.pk]  # Broualan, Marcillé-Raoul
    response = client.get(reverse("ami:applications", args=[rennes.pk]), {"etat": "submitted"})
    assert [a.pk for a in response.context["page"]] == [submitted.pk]
    assert "1 dossier à l’état « Déposé »" in text_of(response)
    assert client.get(reverse("ami:applications", args=[rennes.pk]), {"etat": "laureat"}).status_code == 404

    response = client.get(reverse("ami:applications-export", args=[rennes.pk, "csv"]), {"etat": "submitted"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="candidatures_ami_{rennes.pk}_submitted.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeffCode commune;Commune;Département;État;Déposé le;")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        [
            "Code commune",
            "Commune",
            "Département",
            "État",
            "Déposé le",
            "Écoles concernées",
            "Coût estimé (euros)",
            "Cofinancement (euros)",
            "Contact",
            "Courriel du contact",
            "Délibération jointe",
            "Projet",
            "Adresse du dossier",
        ],
        [
            "35164",
            "Marcillé-Raoul",
            "35",
            "Déposé",
            f"{timezone.localdate():%d/%m/%Y}",
            "1",
            "42000",
            "8400",
            "Camille Martin",
            "mairie@marcille-raoul.fr",
            "oui",
            "Raccordement de l'école élémentaire à la fibre et classe mobile.",
            f"http://testserver/ami/candidatures/{submitted.pk}/",
        ],
    ]
    response = client.get(reverse("ami:applications-export", args=[rennes.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[:8] for row in values[1:]] == [
        ("35044", "Broualan", "35", "Brouillon", None, 0, None, None),
        (
            "35164",
            "Marcillé-Raoul",
            "35",
            "Déposé",
            datetime.datetime.combine(timezone.localdate(), datetime.time()),
            1,
            42000,
            8400,
        ),
    ]
