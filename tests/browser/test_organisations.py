"""An organisation's administrator invites a colleague in Chromium: the invitation goes by e-mail, the colleague (who
already reads for the DSDEN) logs in from the link, accepts, acts for the commune, then switches back to the DSDEN in
the header and sees each organisation's dashboard; the link does not serve twice.

Everything is committed, so that the server thread sees it on PostgreSQL too, and removed after the test.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from edhub.accounts.models import Invitation, Organisation, Role
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.browser.conftest import serious_violations

# No module-wide django_db mark: it would open the test's transaction before `people` (see below).
COLLEAGUE_EMAIL = "collegue.creteil@example.gouv.fr"


@pytest.fixture
def people(django_db_setup, django_db_blocker):
    """The administrator of the commune of Créteil, and a colleague reader of the DSDEN of Val-de-Marne. Requested
    before `page`: set up before its transaction, torn down after its rollback."""
    with django_db_blocker.unblock():
        before = set(Organisation.objects.values_list("pk", flat=True))
        admin = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="navigateur-maire", admin=True)
        colleague = agent(Role.READER, Level.DEPARTEMENT, "94", username="navigateur-collegue")
        colleague.email = COLLEAGUE_EMAIL
        colleague.save()
    yield admin, colleague
    with django_db_blocker.unblock():
        Invitation.objects.filter(invited_by=admin).delete()
        get_user_model().objects.filter(pk__in=[admin.pk, colleague.pk]).delete()
        Organisation.objects.exclude(pk__in=before).delete()


def log_in(page, username):
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_an_admin_invites_a_colleague_who_accepts_and_switches(people, page):
    admin, colleague = people
    commune = admin.memberships.get().organisation
    page.goto(f"/organisations/{commune.pk}/")
    log_in(page, admin.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Commune — Créteil")
    page.get_by_label("Adresse e-mail de la personne invitée").fill(COLLEAGUE_EMAIL)
    page.get_by_label("Rôle dans l'organisation").select_option(label="Commune")
    page.get_by_role("button", name="Envoyer l’invitation").click()
    expect(page.locator("#invitations")).to_contain_text(f"{COLLEAGUE_EMAIL} (Commune)")
    assert serious_violations(page) == []
    [message] = mail.outbox
    assert message.to == [COLLEAGUE_EMAIL]
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)

    # The colleague opens the link in their own browser session: their account exists, they log in first.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("#login-first")).to_contain_text(f"Un compte existe déjà pour {COLLEAGUE_EMAIL}")
    page.locator("main").get_by_role("link", name="Se connecter").click()
    log_in(page, colleague.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejoindre Commune — Créteil")
    page.get_by_role("button", name="Accepter l’invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commune — Créteil")
    assert [(m.organisation.name, m.role, m.granted_by) for m in colleague.memberships.order_by("pk")] == [
        ("DSDEN — Val-de-Marne", Role.READER, None),
        ("Commune — Créteil", Role.COMMUNE, admin),
    ]

    # They act for the commune now; the header switches them back to the DSDEN, whose dashboard they see.
    page.goto("/tableau-de-bord/")
    expect(page.locator("main section").first.get_by_role("heading", level=2)).to_have_text("Commune — Créteil")
    page.get_by_label("Vous agissez pour").select_option(label="DSDEN — Val-de-Marne, lecture seule")
    page.get_by_role("button", name="Changer d’organisation").click()
    expect(page.locator("main section").first.get_by_role("heading", level=2)).to_have_text(
        "DSDEN — Val-de-Marne, lecture seule"
    )
    assert serious_violations(page) == []

    # The link served once.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation inutilisable")
