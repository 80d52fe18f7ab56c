"""Browser tests: Playwright drives Debian's Chromium against a live server of the test database.

They read the session's data (real geography and extracts, committed before the tests) and write nothing, so
they run on SQLite and on PostgreSQL alike. The server is our own rather than pytest-django's `live_server`,
whose tests are transactional: it empties every table after each test, and with them the session's real data.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(settings.NODE_MODULES_DIR) / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _committed_organisations_removed(django_db_setup, django_db_blocker):
    """Browser tests commit their agents (the server thread must see them on PostgreSQL), and `agent()` creates the
    organisation of each agent's role: those created during the test are removed after it (set up first, torn down
    last), so that no later test of the process finds them."""
    from edhub.accounts.models import Organisation

    with django_db_blocker.unblock():
        before = set(Organisation.objects.values_list("pk", flat=True))
    yield
    with django_db_blocker.unblock():
        Organisation.objects.exclude(pk__in=before).delete()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server_url(django_db_setup, django_db_blocker):
    """The URL of a server thread answering from the test database (in-memory SQLite shares its connection)."""
    with django_db_blocker.unblock():
        shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
        for connection in shared.values():
            connection.inc_thread_sharing()
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.fixture
def page(browser, server_url, db):
    context = browser.new_context(base_url=server_url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def serious_violations(page):
    """axe-core's serious and critical accessibility violations on the current page."""
    # Evaluated through the DevTools protocol: the page's Content Security Policy stays in force.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
