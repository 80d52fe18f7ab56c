import json
import re

import pytest

from tests.www.utils import text_of, title_of

pytestmark = pytest.mark.django_db


def test_map_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get("/carte/?level=commune&parent=departement:94&indicator=densite&method=jenks")

    assert response.status_code == 200
    assert title_of(response) == "Carte du numérique éducatif — edhub"
    content = response.content.decode()
    text = text_of(response)
    assert "Accueil Carte" in text
    for label in ("Aller à un territoire", "Niveau affiché", "Indicateur", "Classes de la légende", "Légende"):
        assert label in text
    assert "Quantiles (effectifs égaux) Seuils naturels (Jenks)" in text
    # The data table beside the map, with its caption, filled by the script.
    assert '<table id="map-table">' in content
    assert '<caption id="map-table-caption">' in content
    # MapLibre from npm through the import map, which carries the page's nonce (CSP); no inline handler.
    nonce = re.search(r'<script type="importmap" nonce="([^"]+)">', content).group(1)
    assert nonce in response["Content-Security-Policy"]
    assert "/static/vendor/maplibre-gl/maplibre-gl.mjs" in content
    assert '<script type="module" src="/static/edhub/map/map.js">' in content
    assert not re.search(r"\son[a-z]+=", content)
    kinds = json.loads(re.search(r'<script id="map-kinds" type="application/json">(.*?)</script>', content).group(1))
    assert kinds["college"] == "Collège"
    assert 'data-api="/api/v1/"' in content
    assert 'data-territory-url="/territoires/__level__/__code__/"' in content


def test_map_assets_are_served(client):
    for path in (
        "/static/vendor/maplibre-gl/maplibre-gl.mjs",
        "/static/vendor/maplibre-gl/maplibre-gl-worker.mjs",
        "/static/vendor/maplibre-gl/maplibre-gl.css",
        "/static/edhub/map/map.js",
        "/static/edhub/map/breaks.js",
        "/static/edhub/map/indicators.js",
        "/static/edhub/map/map.css",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
