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
    assert "Indicateur Val-de-Marne Seine-Saint-Denis Période" in text
    # Each indicator calls its sources by number (footnotes under the table).
    assert "Population municipale source 7 1 426 929 habitants" in text
    assert "IPS moyen des écoles source 3 , source 6 105,7 IPS" in text
    assert "Part des écoles et collèges publics en REP source 1 , source 6 30,2 %" in text
    html = response.content.decode()
    assert 'href="/comparer/?t=departement%3A93"' in html  # remove Val-de-Marne
    assert 'href="/comparer/?t=departement%3A94&amp;t=departement%3A93&amp;format=xlsx"' in html


def test_levels_mix_and_the_add_form_redirects(client):
    response = client.get("/comparer/?t=departement:94&territoire=94028")
    assert response.status_code == 302
    assert response["Location"] == "/comparer/?t=departement%3A94&t=commune%3A94028"

    text = text_of(client.get(response["Location"]))
    assert "Écoles et établissements source 1 , source 2 , source 3 , source 4 , source 5 , source 6 794" in text


@pytest.mark.parametrize(
    ("wanted", "added"),
    [
        ("Seine-Saint-Denis", "departement%3A93"),
        ("seine saint denis", "departement%3A93"),
        ("Saint-Maur-des-Fossés", "commune%3A94068"),
        ("region:94", "region%3A94"),
        ("commune:94028", "commune%3A94028"),
    ],
)
def test_a_territory_is_added_by_its_name_or_its_code(client, wanted, added):
    response = client.get("/comparer/", {"t": "departement:94", "territoire": wanted})

    assert response.status_code == 302
    assert response["Location"] == f"/comparer/?t=departement%3A94&t={added}"


def test_an_ambiguous_name_or_code_offers_a_choice(client):
    response = client.get("/comparer/", {"t": ["departement:93", "departement:94"], "territoire": "creteil"})

    assert response.status_code == 200
    text = text_of(response)
    assert (
        "2 territoires correspondent à « creteil » : choisissez celui à ajouter. "
        "Créteil — Académie 24 Créteil — Commune 94028 (Val-de-Marne)"
    ) in text
    html = response.content.decode()
    assert 'href="/comparer/?t=departement%3A93&amp;t=departement%3A94&amp;t=academie%3A24"' in html
    assert 'href="/comparer/?t=departement%3A93&amp;t=departement%3A94&amp;t=commune%3A94028"' in html

    text = text_of(client.get("/comparer/", {"t": "departement:93", "territoire": "94"}))
    assert (
        "3 territoires correspondent à « 94 » : choisissez celui à ajouter. "
        "Corse — Région académique 94 Corse — Région 94 Val-de-Marne — Département 94"
    ) in text

    text = text_of(client.get("/comparer/", {"t": "departement:93", "territoire": "zzz"}))
    assert "Aucun territoire ne correspond à « zzz » : écrivez le début de son nom ou son code officiel." in text


def test_suggestions_while_typing(client):
    response = client.get(
        "/comparer/suggestions/", {"t": ["departement:94", "commune:94028"], "territoire": "creteil"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    # Créteil itself is already compared: only the académie is proposed.
    assert (
        text_of(response)
        == "1 territoire correspond à « creteil » : choisissez celui à ajouter. Créteil — Académie 24"
    )
    assert 'href="/comparer/?t=departement%3A94&amp;t=commune%3A94028&amp;t=academie%3A24"' in html


def test_sources_are_footnotes(client):
    text = text_of(client.get(URL))

    # Each indicator calls its sources by number; the numbered list follows the table.
    assert "Indicateur Val-de-Marne Seine-Saint-Denis Période Écoles et établissements source 1 , source 2 ," in text
    assert "Population municipale source 7 1 426 929 habitants" in text
    assert (
        "Sources Annuaire de l'éducation (Licence Ouverte / Etalab 2.0) "
        "Adresse et géolocalisation des établissements (Licence Ouverte / Etalab 2.0)"
    ) in text
    html = client.get(URL).content.decode()
    assert '<li id="source-7">' in html
    assert "Source</th>" not in html


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
    assert "Ajouter un territoire Nom ou code officiel" in text
    assert "La comparaison est impossible" not in text
    assert re.search(r'href="/comparer/"\s+aria-current="page">Comparer</a>', response.content.decode())


def test_csv_export(client):
    response = client.get(f"{URL}&format=csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="comparaison_departement-94_departement-93.csv"'
    lines = response.content.decode("utf-8").split("\r\n")
    val_de_marne, seine_saint_denis = "Val-de-Marne (Département 94)", "Seine-Saint-Denis (Département 93)"
    assert lines[0] == (
        f"\ufeffIndicateur;Unité;Période;{val_de_marne};{val_de_marne} : couverture (0 à 1);"
        f"{val_de_marne} : statut de la couverture;{seine_saint_denis};{seine_saint_denis} : couverture (0 à 1);"
        f"{seine_saint_denis} : statut de la couverture"
    )
    # Each value with its coverage: the écoles of Seine-Saint-Denis are listed by no loaded source (N.C.), all
    # its collèges by the geolocation file, no lycée anywhere.
    missing = "N.C. : aucune source chargée ne couvre ce territoire (couverture nulle)"
    assert f"Écoles;écoles;2026;652;1,0;complète;;0,0;{missing}" in lines
    assert "Collèges;collèges;2026;142;1,0;complète;173;1,0;complète" in lines
    assert f"Lycées;lycées;2026;;0,0;{missing};;0,0;{missing}" in lines
    assert "Écoles et établissements;établissements;2026;794;0,667;partielle;173;0,333;partielle" in lines
    assert "Population municipale;habitants;2026;1426929;1,0;complète;1704316;1,0;complète" in lines


def test_xlsx_export(client):
    response = client.get(f"{URL}&format=xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Comparaison", "Source"]
    rows = {row[0]: row for row in book["Comparaison"].iter_rows(values_only=True)}
    assert rows["Indicateur"][3:6] == (
        "Val-de-Marne (Département 94)",
        "Val-de-Marne (Département 94) : couverture (0 à 1)",
        "Val-de-Marne (Département 94) : statut de la couverture",
    )
    assert rows["Population municipale"] == (
        *("Population municipale", "habitants", "2026"),
        *(1426929, 1, "complète", 1704316, 1, "complète"),
    )
    assert rows["Écoles"][3:] == (
        652,
        1,
        "complète",
        None,
        0,
        "N.C. : aucune source chargée ne couvre ce territoire (couverture nulle)",
    )
    assert rows["IPS moyen des écoles"][3::3] == (105.7, 89.7)
    assert rows["Part des écoles et collèges publics en REP"][3::3] == (30.2, None)
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
