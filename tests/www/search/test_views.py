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
    # The schools of the communes so named (3 here, 5 in the real Étréchy of the Essonne and of the Cher), though
    # none is named after them.
    assert "Écoles et établissements 8 résultats." in text
    assert "École Sainte-Thérèse — École primaire, privé, UAI 9990003C — Étréchy-la-Forêt" in text
    assert "ECOLE PRIMAIRE SAINT EXUPERY — École primaire, public, UAI 0910190M — Étréchy" in text

    schools = text_of(client.get("/recherche/", {"q": "ecole sainte therese"}))
    assert "École Sainte-Thérèse — École primaire, privé, UAI 9990003C — Étréchy-la-Forêt" in schools
    assert "1 résultat." in schools

    nothing = text_of(client.get("/recherche/", {"q": "val d evian"}))
    assert "Aucune école ni aucun établissement ne correspond à « val d evian »." in nothing


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


def test_a_commune_name_lists_its_schools(client, db):
    """The real directory of the Val-de-Marne: Créteil's 56 schools, none of which is named after the town."""
    text = text_of(client.get("/recherche/", {"q": "creteil"}))

    assert (
        "Territoires Créteil — Académie 24 — 4 599 353 habitants "
        "Créteil — Commune 94028 (Val-de-Marne) — 93 397 habitants "
        "Écoles et établissements 56 résultats, page 1 sur 2. "
        "Collège Albert Schweitzer — Collège, public, UAI 0940006W — Créteil"
    ) in text
    assert text.count("— Créteil") == 50
    page_2 = text_of(client.get("/recherche/", {"q": "creteil", "page": 2}))
    assert "56 résultats, page 2 sur 2." in page_2
    assert page_2.count("— Créteil") == 6


def test_accents_and_hyphens_are_folded(client, db):
    text = text_of(client.get("/recherche/", {"q": "saint maur"}))

    assert "Territoires Saint-Maur-des-Fossés — Commune 94068 (Val-de-Marne) — 76 572 habitants" in text
    # The schools of Saint-Maur-des-Fossés (36) and of Saint-Maur in the Indre first, then those named Saint-Maur
    # or Saint-Maurice elsewhere; not those of Saint-Maurice (Val-de-Marne), whose name only starts with the words.
    assert "Écoles et établissements 55 résultats, page 1 sur 2. Collège Camille Pissarro" in text
    assert text.count("— Saint-Maur-des-Fossés") == 36
    assert "— Saint-Maurice " not in text

    text = text_of(client.get("/recherche/", {"q": "SAINT-MAUR-DES-FOSSÉS"}))
    assert "Écoles et établissements 36 résultats. Collège Camille Pissarro" in text
    assert text.count("— Saint-Maur-des-Fossés") == 36
