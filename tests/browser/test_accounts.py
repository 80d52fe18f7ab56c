"""Accounts in Chromium: an agent of two organisations lands on the dashboard, switches organisation in the header and
sees the other organisation's dashboard; a password reset by e-mail; on a computer and on a phone, with an
accessibility check.

The agent is committed, so that the server thread sees them on PostgreSQL too; it is removed after the test.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from edhub.accounts.models import Role
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory
from tests.accounts.factories import PASSWORD, agent, member
from tests.browser.conftest import serious_violations

# No module-wide django_db mark: it would open the test's transaction before `two_hats` (see below).
PHONE = {"width": 375, "height": 740}
NEW_PASSWORD = "un-nouveau-mot-de-passe-solide"


@pytest.fixture
def two_hats(django_db_setup, django_db_blocker):
    """An agent of the commune of Créteil (joined first) and of the Val-de-Marne, whose département has an upload to
    confirm. Requested before `page`: set up before its transaction, torn down after its rollback."""
    with django_db_blocker.unblock():
        user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="navigateur-deux-casquettes")
        departement = Territory.objects.get(level=Level.DEPARTEMENT, code="94")
        member(user, Role.DEPARTEMENT, departement)
        Upload.objects.create(
            territory=departement,
            author=user,
            role=Role.DEPARTEMENT,
            file="inventaires/2026/12/colleges.csv",
            file_name="colleges.csv",
            checksum="0" * 64,
            status=Upload.Status.VALIDATED,
        )
    yield user
    with django_db_blocker.unblock():
        Upload.objects.filter(author=user).delete()
        get_user_model().objects.filter(pk=user.pk).delete()


def log_in(page, username, password=PASSWORD):
    page.goto("/compte/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_an_agent_switches_organisation_and_sees_its_dashboard(two_hats, page):
    log_in(page, two_hats.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.get_by_role("heading", level=2).first).to_have_text("Commune — Créteil")
    assert serious_violations(page) == []

    page.get_by_label("Vous agissez pour").select_option(label="Département — Val-de-Marne")
    page.get_by_role("button", name="Changer d’organisation").click()
    expect(page.get_by_role("status").first).to_have_text("Vous agissez désormais pour Département — Val-de-Marne.")
    first = page.locator("main section").first
    expect(first.get_by_role("heading", level=2)).to_have_text("Département — Val-de-Marne")
    expect(first.get_by_role("link", name="1 dépôt d’inventaire analysé à confirmer")).to_be_visible()
    page.goto("/inventaires/")
    expect(page.get_by_role("heading", level=2).first).to_have_text("Vous agissez pour Département — Val-de-Marne")

    # On a phone: the switch is still there, without a script, and the pages keep to the screen's width.
    page.set_viewport_size(PHONE)
    for path in ("/tableau-de-bord/", "/compte/"):
        page.goto(path)
        expect(page.get_by_label("Vous agissez pour")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert serious_violations(page) == [], path


def test_a_password_reset_by_email(two_hats, page):
    page.goto("/compte/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Courriel").fill(two_hats.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    assert serious_violations(page) == []
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/compte/mot-de-passe-oublie/\S+/)", message.body).group(1)

    page.goto(link)
    # Their labels hold the password rules too (hints), and one contains the other: the fields by their name.
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe enregistré")

    log_in(page, two_hats.username)  # the old password
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion des agents")
    log_in(page, two_hats.username, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
