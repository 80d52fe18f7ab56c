"""The dashboard: what awaits the user in each of their organisations, read through the permission policy."""

import pytest
from django.urls import reverse

from edhub.accounts.models import JoinRequest, Role
from edhub.ami.models import Application, Campaign
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory
from tests.accounts.factories import PASSWORD, UserFactory, agent, member
from tests.ami.factories import CampaignFactory, dossier_in
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("dashboard")


def upload(author, code, status, level=Level.COMMUNE):
    return Upload.objects.create(
        territory=Territory.objects.get(level=level, code=code),
        author=author,
        role=Role.COMMUNE,
        file="inventaires/x.csv",
        file_name="x.csv",
        checksum="0" * 64,
        status=status,
    )


@pytest.fixture
def call():
    return CampaignFactory(status=Campaign.Status.OPEN)


def test_the_login_leads_to_the_dashboard(client):
    agent(Role.COMMUNE, Level.COMMUNE, "94028", username="creteil")
    response = client.post(reverse("accounts:login"), {"username": "creteil", "password": PASSWORD})
    assert response["Location"] == DASHBOARD


def test_a_commune_agent_sees_its_dossier_to_complete_and_its_upload_to_confirm(client, call):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="creteil")
    dossier = dossier_in(call, "94028", state=Application.State.DRAFT)
    dossier_in(CampaignFactory(title="Autre appel", status=Campaign.Status.OPEN), "94028", state="submitted")
    upload(user, "94028", Upload.Status.VALIDATED)
    upload(user, "94028", Upload.Status.CONFIRMED)
    upload(user, "94033", Upload.Status.VALIDATED)  # another commune's
    client.force_login(user)
    page = client.get(DASHBOARD)
    text = text_of(page)
    assert "Commune — Créteil Vous agissez pour cette organisation Ce qui vous attend" in text
    assert "1 dépôt d’inventaire analysé à confirmer" in text
    assert (
        "1 dossier de candidature à compléter : AMI connectivité des écoles rurales 2026 — Brouillon, appel clos le "
        "31 mars 2026" in text
    )
    html = page.content.decode()
    assert f'href="{reverse("ami:application", args=[dossier.pk])}"' in html
    assert f'href="{reverse("inventories:index")}">1 dépôt' in html
    assert "Raccourcis Déposer un inventaire local" in text
    assert "Gérer les appels" not in text


def test_an_instructor_sees_the_dossiers_to_instruct(client, call):
    user = agent(Role.ACADEMIE, Level.ACADEMIE, "24", username="dane-creteil")
    dossier_in(call, "94028", state=Application.State.SUBMITTED)
    dossier_in(call, "94033", state=Application.State.SUBMITTED)
    dossier_in(call, "94041", state=Application.State.IN_INSTRUCTION)
    dossier_in(call, "94046", state=Application.State.DRAFT)  # not deposited: not to instruct
    dossier_in(call, "22092", state=Application.State.SUBMITTED)  # académie de Rennes
    client.force_login(user)
    page = client.get(DASHBOARD)
    text = text_of(page)
    assert "AMI connectivité des écoles rurales 2026 : 2 dossiers déposés et 1 dossier en instruction" in text
    assert f"{reverse('ami:applications', args=[call.pk])}?etat=submitted" in page.content.decode()
    assert "à compléter" not in text


def test_a_national_administrator_gets_the_management_of_calls(client, call):
    user = agent(Role.NATIONAL, username="dne")
    dossier_in(call, "22092", state=Application.State.SUBMITTED)
    client.force_login(user)
    text = text_of(client.get(DASHBOARD))
    assert "AMI connectivité des écoles rurales 2026 : 1 dossier déposé et 0 dossier en instruction" in text
    assert "Raccourcis Gérer les appels « connectivité » Déposer un inventaire local" in text


def test_a_reader_gets_the_observatory_and_nothing_to_do(client):
    client.force_login(agent(Role.READER, Level.DEPARTEMENT, "94", username="lecteur"))
    page = client.get(DASHBOARD)
    text = text_of(page)
    assert "DSDEN — Val-de-Marne, lecture seule" in text
    assert "Rien à traiter pour l’instant." in text
    assert "Raccourcis Observatoire : Val-de-Marne" in text
    assert reverse("territories:detail", args=["departement", "94"]) in page.content.decode()


def test_an_admin_sees_the_requests_to_join(client):
    admin = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="admin-creteil", admin=True)
    organisation = admin.memberships.get().organisation
    JoinRequest.objects.create(user=UserFactory(username="candidat"), organisation=organisation)
    answered = {"answered_at": "2026-01-02T10:00:00Z", "accepted": False}
    JoinRequest.objects.create(user=UserFactory(username="refuse"), organisation=organisation, **answered)
    client.force_login(admin)
    page = client.get(DASHBOARD)
    assert "1 demande d’adhésion en attente" in text_of(page)
    assert f'href="{reverse("organisations:detail", args=[organisation.pk])}">1 demande' in page.content.decode()


def test_each_membership_has_its_section(client, call):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="deux-casquettes")
    departement = member(user, Role.DEPARTEMENT, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    dossier_in(call, "94028", state=Application.State.CORRECTIONS)
    upload(user, "94", Upload.Status.VALIDATED, level=Level.DEPARTEMENT)
    upload(user, "94", Upload.Status.VALIDATED, level=Level.DEPARTEMENT)
    client.force_login(user)
    page = client.get(DASHBOARD)
    text = text_of(page)
    assert (
        "Commune — Créteil Vous agissez pour cette organisation Ce qui vous attend 0 dépôt d’inventaire analysé à "
        "confirmer 1 dossier de candidature à compléter : AMI connectivité des écoles rurales 2026 — À compléter par "
        "la commune" in text
    )
    # The section of the membership not in use: its figures, no links into it, a button to act for it.
    assert (
        "Département — Val-de-Marne Agir pour Département — Val-de-Marne Ce qui vous attend 2 dépôts d’inventaire "
        "analysés à confirmer" in text
    )
    assert f'name="membership" value="{departement.pk}"' in page.content.decode()
    assert page.wsgi_request.user.acting_membership == user.memberships.get(role=Role.COMMUNE)


def test_an_account_without_membership(client):
    client.force_login(UserFactory(username="seul"))
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "Vous n’agissez pour aucune organisation" in text_of(page)
