from tests.www.utils import text_of, title_of


def test_school_page(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/ecoles/9990001A/")

    assert response.status_code == 200
    assert title_of(response) == "École élémentaire Jules Ferry (9990001A) — edhub"
    text = text_of(response)
    assert (
        "Accueil France Région académique d'Essai Académie d'Éole Val-d'Évian Étréchy-la-Forêt "
        "École élémentaire Jules Ferry" in text
    )
    assert "UAI 9990001A Type École élémentaire" in text
    assert "Secteur Public État Ouvert Financeur Commune" in text
    assert "Adresse 1 rue Jules Ferry 99001 Étréchy-la-Forêt" in text
    assert "Localisation 48,51000, 2,21000 (WGS84) — précision : Numéro de rue" in text
    assert "Éducation prioritaire REP" in text
    assert "Source de l’identité : Annuaire de l'éducation, millésime 2026-01-15" in text
    assert "2022-2023 Indice de position sociale 100,0" in text
    assert "2022-2023 Élèves 200" in text
    checksum = world.directory.checksum
    assert "Annuaire de l'éducation 2026-01-15 annuaire.csv" in text
    assert checksum[:12] in text
    html = response.content.decode()
    assert 'href="/territoires/commune/9Z001/"' in html
    assert 'href="/api/v1/schools/9990001A"' in html


def test_funders_and_not_significant(client, world):
    college = text_of(client.get("/ecoles/9990002B/"))
    private = text_of(client.get("/ecoles/9990003c/"))

    assert "Financeur Département" in college
    assert "Financeur Non applicable" in private
    assert "2022-2023 Indice de position sociale Non significatif" in private


def test_unknown_school(client, db):
    response = client.get("/ecoles/0000000Z/")

    assert response.status_code == 404
    assert "Page non trouvée" in text_of(response)
