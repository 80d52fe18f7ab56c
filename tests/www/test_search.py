import pytest

from tests.www.utils import text_of


@pytest.mark.parametrize("query", ["creteil", "CRETEIL", "Créteil"])
def test_accent_insensitive(client, db, query):
    response = client.get("/recherche/", {"q": query})

    assert response.status_code == 200
    assert 'href="/territoires/commune/94028/">Créteil</a>' in response.content.decode()


def test_territories_and_schools(client, world):
    response = client.get("/recherche/", {"q": "etrechy"})

    text = text_of(response)
    assert "Étréchy-la-Forêt — Commune 9Z001 (Val-d'Évian) — 12 345 habitants" in text
    assert "Aucune école ni aucun établissement ne correspond à « etrechy »." in text

    schools = text_of(client.get("/recherche/", {"q": "ecole sainte therese"}))
    assert "École Sainte-Thérèse — École primaire, privé, UAI 9990003C — Étréchy-la-Forêt" in schools
    assert "1 résultat." in schools


def test_larger_levels_first(client, world):
    text = text_of(client.get("/recherche/", {"q": "val d evian"}))

    assert "Val-d'Évian — Département 9Z" in text


@pytest.mark.parametrize(
    ("query", "location"),
    [("9990001a", "/ecoles/9990001A/"), ("94028", "/territoires/commune/94028/")],
)
def test_exact_code_redirects(client, world, query, location):
    response = client.get("/recherche/", {"q": query})

    assert response.status_code == 302
    assert response["Location"] == location


def test_htmx_gets_the_results_only(client, world):
    response = client.get("/recherche/", {"q": "9990001A"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'href="/ecoles/9990001A/">École élémentaire Jules Ferry</a>' in html


def test_empty_query(client, db):
    text = text_of(client.get("/recherche/"))

    assert "Saisissez le nom ou le code d’une commune" in text


def test_null_character_is_ignored(client, world):
    response = client.get("/recherche/", {"q": "etre\x00chy"})

    assert response.status_code == 200
    assert "Étréchy-la-Forêt" in text_of(response)
