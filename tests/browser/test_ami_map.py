"""The pages of a connectivity call in Chromium: its map (MapLibre) with its layers and legend, the management form
and the follow-up of laureates, each checked for accessibility.

The call, its dossiers and the agent are committed, so that the server thread sees them on PostgreSQL too; they are
removed after the test.
"""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from edhub.accounts.models import Role
from edhub.ami.models import Application
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import campaign_on, dossier_in
from tests.browser.conftest import serious_violations

READY = "body[data-map-ready='1']"

# No module-wide django_db mark: it would open the test's transaction before `martinique` (see below).


@pytest.fixture
def martinique(django_db_setup, django_db_blocker):
    """A call on Martinique with published results: Macouba (eligible) retained, Fort-de-France refused. Requested
    before `page` (and its transaction): torn down after its rollback, so that committed rows are removed too."""
    with django_db_blocker.unblock():
        campaign = campaign_on(Level.DEPARTEMENT, "972", title="AMI Martinique", results_published_at=timezone.now())
        campaign.open()
        dossiers = [
            dossier_in(campaign, "97215", state=Application.State.ACCEPTED),
            dossier_in(campaign, "97209", state=Application.State.REFUSED),
        ]
        national = agent(Role.NATIONAL, username="navigateur-national")
    yield campaign
    with django_db_blocker.unblock():
        authors = [dossier.author_id for dossier in dossiers]
        Application.objects.filter(campaign=campaign).delete()
        campaign.delete()
        get_user_model().objects.filter(pk__in=[*authors, national.pk]).delete()


def test_map_layers_legend_and_tables_then_the_administrator_pages(martinique, page):
    page.goto(f"/ami/{martinique.pk}/")
    page.get_by_role("link", name="Carte de l’appel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte de l’appel")
    page.wait_for_selector(READY, state="attached")
    expect(page.locator("#ami-map-status")).to_have_text("3 communes affichées.")
    expect(page.locator("label[for=layer-eligible]")).to_have_text("Communes éligibles (2)")
    expect(page.locator("label[for=layer-laureates]")).to_have_text("Communes lauréates (1)")
    expect(page.locator(".map-legend")).to_contain_text("65 à moins de 75 (1)")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Macouba (97215)")
    expect(rows.first).to_contain_text("Lauréate")
    assert serious_violations(page) == []
    page.locator("label[for=layer-eligible]").click()
    expect(page.locator("#layer-eligible")).not_to_be_checked()

    page.goto("/compte/connexion/?next=/ami/nouveau/")
    page.get_by_label("Identifiant").fill("navigateur-national")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un appel « connectivité »")
    expect(page.locator("#id_criteria-0-code")).to_have_value("connectivite")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert").first).to_contain_text("Le formulaire contient des erreurs")
    assert serious_violations(page) == []

    page.goto(f"/ami/{martinique.pk}/modifier/")
    expect(page.get_by_label("Motif de la modification")).to_be_visible()
    assert serious_violations(page) == []
    page.goto(f"/ami/{martinique.pk}/suivi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi des lauréats")
    page.get_by_role("link", name="Macouba", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi des travaux : Macouba")
    expect(page.get_by_label("Suivi des travaux").first).to_have_value("planned")
    assert serious_violations(page) == []
