"""The comparison of territories (/comparer/) and its CSV and XLSX exports, on the real data."""

import io
import re

import openpyxl
import pytest

from tests.www.utils import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed")]

URL = "/comparer/?t=departement:94&t=departement:93"


def test_two_departements(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200
    text = text_of(response)
    assert "Territoires comparés Val-de-Marne (Département 94) Retirer Val-de-Marne Seine-Saint-Denis" in text
    assert "Indicateur Val-de-Marne Seine-Saint-Denis Période Source" in text
    assert "Écoles 652 écoles 482 écoles 2026" in text
    assert "Population municipale 1 426 929 habitants 1 704 316 habitants 2026 Référentiel géographique" in text
    assert "IPS moyen des écoles 105,7 IPS 89,7 IPS 2021" in text
    # Not known for one of them at the latest period: N.C., never zero.
    assert "Part des écoles et collèges publics en REP 30,2 % N.C. 2026" in text
    html = response.content.decode()
    assert 'href="/comparer/?t=departement%3A93"' in html  # remove Val-de-Marne
    assert 'href="/comparer/?t=departement%3A94&amp;t=departement%3A93&amp;format=xlsx"' in html


def test_levels_mix_and_the_add_form_redirects(client):
    response = client.get("/comparer/?t=departement:94&niveau=commune&code=94028")
    assert response.status_code == 302
    assert response["Location"] == "/comparer/?t=departement%3A94&t=commune%3A94028"

    text = text_of(client.get(response["Location"]))
    assert "Écoles 652 écoles 45 écoles 2026" in text


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("t=departement:94", "Ajoutez au moins un autre territoire : on compare de 2 à 5 territoires."),
        (
            "t=departement:91&t=departement:92&t=departement:93&t=departement:94&t=departement:95&t=departement:77",
            "On compare au plus 5 territoires : retirez-en 1.",
        ),
        (
            "t=departement:94&t=departement:999",
            "Territoire inconnu : « departement:999 » (niveau département, code 999).",
        ),
        (
            "t=departement:94&t=creteil",
            "« creteil » n’est pas un territoire : écrire niveau:code, par exemple departement:94.",
        ),
    ],
)
def test_errors(client, query, error):
    response = client.get(f"/comparer/?{query}")

    assert response.status_code == 400
    assert f"La comparaison est impossible {error}" in text_of(response)
    assert "Exporter ce tableau" not in text_of(response)


def test_empty_page_invites_to_add(client):
    response = client.get("/comparer/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Ajouter un territoire Niveau" in text
    assert "La comparaison est impossible" not in text
    assert re.search(r'href="/comparer/"\s+aria-current="page">Comparer</a>', response.content.decode())


def test_csv_export(client):
    response = client.get(f"{URL}&format=csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="comparaison_departement-94_departement-93.csv"'
    lines = response.content.decode("utf-8").split("\r\n")
    assert (
        lines[0] == "\ufeffIndicateur;Unité;Période;Val-de-Marne (Département 94);Seine-Saint-Denis (Département 93)"
    )
    assert "Écoles;écoles;2026;652;482" in lines
    assert "IPS moyen des écoles;IPS;2021;105,7;89,7" in lines
    assert "Part des écoles et collèges publics en REP;%;2026;30,2;" in lines


def test_xlsx_export(client):
    response = client.get(f"{URL}&format=xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Comparaison", "Source"]
    rows = {row[0]: row for row in book["Comparaison"].iter_rows(values_only=True)}
    assert rows["Indicateur"] == (
        "Indicateur",
        "Unité",
        "Période",
        "Val-de-Marne (Département 94)",
        "Seine-Saint-Denis (Département 93)",
    )
    assert rows["Population municipale"] == ("Population municipale", "habitants", "2026", 1426929, 1704316)
    assert rows["IPS moyen des écoles"] == ("IPS moyen des écoles", "IPS", "2021", 105.7, 89.7)
    assert rows["Part des écoles et collèges publics en REP"][3:] == (30.2, None)
    sources = list(book["Source"].iter_rows(values_only=True))
    assert sources[0] == ("Indicateur", "Identifiant", "Définition", "Sources", "Licence", "Période")
    ecoles = next(row for row in sources if row[1] == "ecoles")
    assert ecoles[3].startswith("Annuaire de l'éducation ; Adresse et géolocalisation des établissements")
    assert ecoles[4] == "Licence Ouverte / Etalab 2.0"
    assert sources[-1][0].startswith("Extraction edhub du ")


def test_export_needs_a_valid_comparison(client):
    response = client.get("/comparer/?t=departement:94&format=csv")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
