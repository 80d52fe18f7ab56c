"""The README's screenshots (docs/*.png), taken by headless Chromium at 1,280 px wide from a running server.

    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000

The server is the demo of `make run` (real extracts, indicators computed, vector tiles cut).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
# (file, page, element the picture starts at, offset above it, height), the width being the window's.
SHOTS = [
    ("map.png", "/carte/?level=commune&indicator=debit_30", "#map-app", 48, 820),
    ("fiche-territoire.png", "/territoires/departement/94/", "#indicateurs", 24, 1300),
    ("fiche-territoire-classement.png", "/territoires/departement/94/?classement=debit_30", "#commune", 24, 1100),
]
WIDTH = 1280


def main(base_url):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, locale="fr-FR", viewport={"width": WIDTH, "height": 900})
        page = context.new_page()
        for name, path, start, above, height in SHOTS:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if path.startswith("/carte/"):
                page.wait_for_selector("body[data-map-ready='1']", timeout=120_000)
            page.wait_for_timeout(1500)  # charts and map settle
            top = page.locator(start).evaluate("element => element.getBoundingClientRect().top + window.scrollY")
            clip = {"x": 0, "y": top - above, "width": WIDTH, "height": height}
            page.screenshot(path=DOCS / name, clip=clip, full_page=True)
            print(f"{DOCS / name} ({path})")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
