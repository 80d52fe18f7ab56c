import datetime

import pytest

from edhub.accounts.models import Role
from edhub.ami import followup
from edhub.ami.models import Application
from edhub.inventories.models import Technology
from edhub.inventories.publishing import publish
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.ami.factories import campaign_on, dossier_in
from tests.inventories.utils import inventory_csv, row, upload_file
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


MARCILLE_ECOLE = "0351663T"  # the one public école of Marcillé-Raoul (35164)
FOLLOWED = (
    "Connexion : suivi de l’appel « AMI Ille-et-Vilaine » (connectée le 2 mars 2026, Fibre optique (FttH, FttO), "
    "250 Mbit/s). L’observatoire retient cette connexion pour la rentrée 2025-2026"
)


def marcille_inventory(mayor):
    """The commune publishes its inventory (rentrée 2025): the école declares copper at 4 Mbit/s."""
    declared = {"Technologie de connexion": "cuivre", "Débit descendant mesuré (Mbit/s)": "4"}
    publish(upload_file(mayor, inventory_csv([row(MARCILLE_ECOLE, **declared)])), mayor)


@pytest.mark.django_db
def test_the_school_sheet_says_its_connection_comes_from_a_calls_follow_up(client):
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine")
    campaign.open()
    laureate = dossier_in(campaign, "35164", state=Application.State.ACCEPTED)
    mayor = agent(Role.COMMUNE, Level.COMMUNE, "35164")
    url = f"/ecoles/{MARCILLE_ECOLE}/"
    assert "suivi de l’appel" not in text_of(client.get(url))
    marcille_inventory(mayor)
    assert "Connexion : suivi" not in text_of(client.get(url))

    connected = {
        "works": "connected",
        "connected_on": datetime.date(2026, 3, 2),
        "connected_technology": Technology.FIBRE,
        "connected_mbps": 250.0,
    }
    followup.update(laureate, mayor, {laureate.concerned.get().pk: connected})
    response = client.get(url)
    text = text_of(response)
    print("DEBUG", text[text.index("Équipement numérique") : text.index("Équipement numérique") + 700])
    assert f"{FOLLOWED}, à la place de celle déclarée dans l’inventaire local de cette rentrée." in text
    assert text.index("Connexion : suivi") < text.index("Équipement déclaré pour la rentrée 2025")
    assert f'<a href="{campaign.get_absolute_url()}">AMI Ille-et-Vilaine</a>' in response.content.decode()

    # The commune publishes its inventory of that rentrée again, after the works: the declaration prevails.
    marcille_inventory(mayor)
    assert "Connexion : suivi" not in text_of(client.get(url))


@pytest.mark.django_db
def test_a_followed_connection_without_declaration(client):
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine")
    campaign.open()
    laureate = dossier_in(campaign, "35164", state=Application.State.ACCEPTED)
    mayor = agent(Role.COMMUNE, Level.COMMUNE, "35164")
    connected = {"works": "connected", "connected_on": datetime.date(2026, 3, 2), "connected_technology": "radio"}
    followup.update(laureate, mayor, {laureate.concerned.get().pk: connected})
    text = text_of(client.get(f"/ecoles/{MARCILLE_ECOLE}/"))
    assert (
        "Connexion : suivi de l’appel « AMI Ille-et-Vilaine » (connectée le 2 mars 2026, Boucle locale radio "
        "(THD radio), débit non mesuré). L’observatoire retient cette connexion pour la rentrée 2025-2026."
    ) in text
    assert "Aucun inventaire local publié ne décrit cet établissement (N.C.)." in text
