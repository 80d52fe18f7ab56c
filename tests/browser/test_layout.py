"""Every page kind read at a laptop's width (1,366 px) and a phone's (390 px): the page never scrolls sideways, no
table cell is narrower than its longest word, a table wider than the screen scrolls in its own focusable region,
and a territory's key figures show each label beside its value without scrolling.

The connectivity-call pages are those of two calls of the académie de Rennes built from real communes: an open
call with four scored dossiers (committee, dossier, application form of Marcillé-Raoul), and a call whose
selection is arrested and whose results are published. Both are committed, so that the server thread sees them on
PostgreSQL too, and removed after the test with their accounts.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from edhub.accounts.models import Role
from edhub.ami.models import Application, Campaign
from edhub.ami.scoring import arrest, publish
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import campaign_on, greedy_trap, instructor

TITLE = "AMI largeurs d'écran"
WIDTHS = {"ordinateur": 1366, "téléphone": 390}

# For each td/th: the width its longest word needs (measured in the font of the element holding it) against the
# room inside the cell; for each select in a table: the width of its chosen option against its room. Then the
# table containers that scroll without being a focusable, named region.
LAYOUT = """() => {
  const context = document.createElement("canvas").getContext("2d");
  // Shown: not in a closed <details> (content-visibility), nor display: none, nor visibility: hidden.
  const shown = (element) =>
    element.checkVisibility({visibilityProperty: true}) && element.getClientRects().length > 0;
  const width = (text, element) => {
    const style = getComputedStyle(element);
    context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return context.measureText(style.textTransform === "uppercase" ? text.toUpperCase() : text).width;
  };
  const room = (element) => {
    const style = getComputedStyle(element);
    return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  const narrow = [];
  for (const cell of document.querySelectorAll("td, th")) {
    if (!shown(cell)) continue;
    let longest = 0, word = "";
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const holder = walker.currentNode.parentElement;
      if (holder.closest("select, script, style, .fr-sr-only") || !shown(holder)) continue;
      for (const candidate of walker.currentNode.textContent.split(/[ \\t\\r\\n]+/)) {
        const needed = width(candidate, holder);
        if (needed > longest) [longest, word] = [needed, candidate];
      }
    }
    if (longest > room(cell) + 1) {
      narrow.push(`« ${word} » : ${Math.round(longest)} px dans ${Math.round(room(cell))}`);
    }
  }
  for (const select of document.querySelectorAll("td select, th select")) {
    const option = select.selectedOptions[0];
    if (!shown(select) || !option) continue;
    const needed = width(option.text, select);
    if (needed > room(select) + 1) {
      narrow.push(`« ${option.text} » : ${Math.round(needed)} px dans ${Math.round(room(select))}`);
    }
  }
  const unreachable = [...document.querySelectorAll(".fr-table__container")]
    .filter((container) => shown(container) && container.scrollWidth > container.clientWidth)
    .filter((container) => container.tabIndex !== 0 || !container.getAttribute("aria-label"))
    .map((container) => container.querySelector("caption")?.textContent.trim() || "tableau sans titre");
  const figures = document.querySelector("#chiffres-cles + .fr-table .fr-table__container");
  return {
    pageWidth: document.documentElement.scrollWidth,
    narrow,
    unreachable,
    figuresScroll: figures ? figures.scrollWidth > figures.clientWidth : false,
  };
}"""


@pytest.fixture
def calls(django_db_setup, django_db_blocker):
    """An open call with four scored dossiers and a call whose results are published, with their accounts;
    requested before the test's database transaction, removed after it."""
    today = timezone.localdate()
    with django_db_blocker.unblock():
        national = instructor("largeurs-national", "Nadia", "Roux", Role.NATIONAL)
        scorers = instructor("largeurs-alice", "Alice", "Durand"), instructor("largeurs-bruno", "Bruno", "Morel")
        mayor = agent(Role.COMMUNE, Level.COMMUNE, "35164", username="largeurs-mairie-35164")
        dates = {"opens_on": today - datetime.timedelta(days=7), "closes_on": today + datetime.timedelta(days=30)}
        opened = campaign_on(Level.ACADEMIE, "14", title=TITLE, laureates_min=1, budget=120_000, **dates)
        opened.open()
        dossiers = greedy_trap(opened, scorers)
        decided = campaign_on(Level.ACADEMIE, "14", title=f"{TITLE} (résultats)", laureates_min=1, budget=120_000)
        decided.open()
        greedy_trap(decided, scorers)
        arrest(decided, national)
        publish(decided, national)
    yield {"opened": opened, "decided": decided, "dossier": dossiers["22092"], "national": national, "mayor": mayor}
    with django_db_blocker.unblock():
        campaigns = Campaign.objects.filter(title__startswith=TITLE)
        authors = list(Application.objects.filter(campaign__in=campaigns).values_list("author_id", flat=True))
        Application.objects.filter(campaign__in=campaigns).delete()
        campaigns.delete()
        users = [national.pk, mayor.pk, *(scorer.pk for scorer in scorers), *authors]
        get_user_model().objects.filter(pk__in=users).delete()


def pages_of(calls):
    """(account, path) of each page kind; None is an anonymous visitor."""
    opened, decided = calls["opened"].pk, calls["decided"].pk
    return [
        (None, "/"),
        (None, "/recherche/?q=creteil"),
        (None, "/territoires/france/FR/"),
        (None, "/territoires/departement/94/"),
        (None, "/territoires/commune/94028/"),
        (None, "/ecoles/0940176F/"),
        (None, "/comparer/?t=departement:94&t=departement:93&t=commune:94028"),
        (None, "/carte/"),
        (None, f"/ami/{opened}/"),
        (None, f"/ami/{opened}/eligibles/"),
        (None, f"/ami/{decided}/resultats/"),
        (None, "/inventaires/"),
        (calls["mayor"], f"/ami/{opened}/candidature/"),
        (calls["national"], f"/ami/candidatures/{calls['dossier'].pk}/"),
        (calls["national"], f"/ami/{opened}/comite/"),
    ]


def read_every_page(browser, server_url, calls, width):
    """What is wrong on each page at this width: {path: [problems]} (empty when every page reads well)."""
    problems, contexts, errors = {}, {}, []
    viewport = {"width": width, "height": 900}
    try:
        for account, path in pages_of(calls):
            if account not in contexts:
                context = browser.new_context(base_url=server_url, locale="fr-FR", viewport=viewport)
                context.set_default_timeout(15_000)
                contexts[account] = context.new_page()
                contexts[account].on("pageerror", lambda error: errors.append(str(error)))
                if account is not None:
                    contexts[account].goto("/compte/connexion/")
                    contexts[account].get_by_label("Identifiant").fill(account.username)
                    contexts[account].get_by_label("Mot de passe").fill(PASSWORD)
                    contexts[account].get_by_role("button", name="Se connecter").click()
                    expect(contexts[account].get_by_role("heading", level=1)).not_to_have_text("Connexion des agents")
            page = contexts[account]
            response = page.goto(path)
            page.wait_for_load_state("load")
            # Two frames: the resize observers of edhub/tables.js have run.
            page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
            found = page.evaluate(LAYOUT)
            wrong = [f"réponse {response.status}"] if response.status != 200 else []
            if found["pageWidth"] > width:
                wrong.append(f"page large de {found['pageWidth']} px")
            wrong += [f"cellule trop étroite {cell}" for cell in found["narrow"]]
            wrong += [f"défilement sans région focalisable : {table}" for table in found["unreachable"]]
            if found["figuresScroll"]:
                wrong.append("chiffres clés à faire défiler : libellé et valeur séparés")
            if wrong:
                problems[path] = wrong
    finally:
        for page in contexts.values():
            page.context.close()
    assert errors == [], f"JavaScript errors: {errors}"
    return problems


# `db` last: the test's transaction opens after `calls` committed the rows that the server must see.
def test_every_page_reads_on_a_laptop(browser, server_url, calls, db):
    assert read_every_page(browser, server_url, calls, WIDTHS["ordinateur"]) == {}


def test_every_page_reads_on_a_phone(browser, server_url, calls, db):
    assert read_every_page(browser, server_url, calls, WIDTHS["téléphone"]) == {}
