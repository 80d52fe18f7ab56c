"""The audit log in Chromium: an organisation's administrator abandons an upload, then reads the change in the journal,
on a computer and on a phone; with an accessibility check.

The administrator and the upload are committed, so that the server thread sees them on PostgreSQL too; they and the
entries the test wrote are removed after it.
"""

import pytest
from auditlog.models import LogEntry
from django.db.models import Max
from playwright.sync_api import expect

from edhub.accounts.models import Role
from edhub.inventories.models import Upload
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.browser.conftest import serious_violations

# No module-wide django_db mark: it would open the test's transaction before `admin` (see below).
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def admin(django_db_setup, django_db_blocker):
    """Requested before `page` (and its database transaction): set up before it, torn down after its rollback."""
    with django_db_blocker.unblock():
        last_entry = LogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="journal-creteil", admin=True)
        membership = user.memberships.get()
        Upload.objects.create(
            territory=membership.organisation.territory,
            author=user,
            role=membership.role,
            file="inventaires/2026/12/inventaire-journal.csv",
            file_name="inventaire-journal.csv",
            checksum="0" * 64,
            status=Upload.Status.VALIDATED,
        )
    yield user
    with django_db_blocker.unblock():
        Upload.objects.filter(author=user).delete()
        user.delete()
        LogEntry.objects.filter(pk__gt=last_entry).delete()


def test_an_organisation_admin_reads_a_change_in_the_journal(admin, page):
    page.goto("/compte/connexion/")
    page.get_by_label("Identifiant").fill("journal-creteil")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    upload = Upload.objects.get(author=admin)
    page.goto(upload.get_absolute_url())
    page.get_by_role("button", name="Abandonner ce dépôt").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("inventaire-journal.csv")

    page.goto("/journal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des modifications")
    line = page.locator("#journal tbody tr").first
    expect(line).to_contain_text("modification")
    expect(line).to_contain_text("Dépôt d'inventaire : inventaire-journal.csv (Abandonné)")
    expect(line).to_contain_text("État : Analysé : à confirmer → Abandonné")
    expect(line).to_contain_text("journal-creteil@example.gouv.fr")
    expect(line.get_by_role("link", name="inventaire-journal.csv (Abandonné)")).to_have_attribute(
        "href", upload.get_absolute_url()
    )
    assert serious_violations(page) == []

    # On a phone, the page keeps to the screen's width: only the table scrolls, inside its frame.
    page.set_viewport_size(PHONE)
    page.reload()
    expect(line).to_contain_text("État : Analysé : à confirmer → Abandonné")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
