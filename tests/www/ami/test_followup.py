"""Follow-up pages of laureates: who sees and updates what, the table by stage and its exports."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from edhub.accounts.models import Role
from edhub.ami.models import Application
from edhub.opendata.models import ImportRun
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.ami.factories import campaign_on, dossier_in
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db

MARCILLE, MARCILLE_ECOLE = "35164", "0351663T"  # Marcillé-Raoul: one public école
ANDOUILLE = "35003"  # Andouillé-Neuville: one public école


@pytest.fixture
def campaign():
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine")
    campaign.open()
    return campaign


@pytest.fixture
def marcille(campaign):
    return dossier_in(campaign, MARCILLE, state=Application.State.ACCEPTED)


@pytest.fixture
def andouille(campaign):
    return dossier_in(campaign, ANDOUILLE, state=Application.State.ACCEPTED)


def followup_form(application, **values):
    """The follow-up form of a dossier as the page posts it, with `values` for every school."""
    schools = list(application.concerned.order_by("school__uai"))
    data = {
        "schools-TOTAL_FORMS": str(len(schools)),
        "schools-INITIAL_FORMS": str(len(schools)),
        "schools-MIN_NUM_FORMS": "0",
        "schools-MAX_NUM_FORMS": "1000",
    }
    for i, concerned in enumerate(schools):
        data[f"schools-{i}-id"] = concerned.pk
        fields = {"works": "planned", "connected_on": "", "connected_technology": "", "connected_mbps": "", **values}
        data.update({f"schools-{i}-{name}": value for name, value in fields.items()})
    return data


def dossier_url(application):
    return reverse("ami:followup-dossier", args=[application.campaign_id, application.pk])


def test_follow_up_pages_need_an_instructor_or_a_commune(client, campaign, marcille):
    urls = [
        reverse("ami:followup", args=[campaign.pk]),
        reverse("ami:followup-export", args=[campaign.pk, "csv"]),
        dossier_url(marcille),
    ]
    for url in urls:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"{reverse('accounts:login')}?next={url}")
    for user in (
        agent(Role.DEPARTEMENT, Level.DEPARTEMENT, "35"),
        agent(Role.READER, Level.DEPARTEMENT, "35", username="lecteur-35"),
    ):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    assert "Suivi des lauréats" not in text_of(client.get(campaign.get_absolute_url()))


def test_a_commune_updates_its_own_laureate_schools_only(client, campaign, marcille, andouille):
    mayor = agent(Role.COMMUNE, Level.COMMUNE, MARCILLE)
    client.force_login(mayor)
    assert "Suivi des lauréats" in text_of(client.get(campaign.get_absolute_url()))
    text = text_of(client.get(reverse("ami:followup", args=[campaign.pk])))
    assert "Marcillé-Raoul (35164) ECOLE ELEMENTAIRE PUBLIQUE DE MARCILLE RAOUL (0351663T) Travaux prévus" in text
    assert "Andouillé-Neuville" not in text
    # Another commune's dossier is not found, neither to read nor to update.
    assert client.get(dossier_url(andouille)).status_code == 404
    assert client.post(dossier_url(andouille), followup_form(andouille, works="works")).status_code == 404
    assert andouille.concerned.get().works == ""

    data = followup_form(
        marcille, works="connected", connected_on="2026-03-02", connected_technology="fibre", connected_mbps="250,5"
    )
    runs = ImportRun.objects.count()
    response = client.post(dossier_url(marcille), data, follow=True)
    assert "Suivi enregistré : les indicateurs de connexion des écoles de l’observatoire suivent." in text_of(response)
    concerned = marcille.concerned.get()
    assert (
        concerned.works,
        str(concerned.connected_on),
        concerned.connected_technology,
        concerned.connected_mbps,
    ) == (
        "connected",
        "2026-03-02",
        "fibre",
        250.5,
    )
    assert concerned.works_updated_at is not None
    assert ImportRun.objects.count() == runs + 1
    assert "pris en compte, rentrée 2025-2026" in text_of(response)


def test_follow_up_errors_are_explained(client, campaign, marcille):
    client.force_login(agent(Role.COMMUNE, Level.COMMUNE, MARCILLE))
    response = client.post(
        dossier_url(marcille), followup_form(marcille, works="connected", connected_on="2099-01-01")
    )
    assert response.status_code == 200
    (form,) = response.context["formset"].forms
    assert form.errors == {
        "connected_on": ["La date de connexion ne peut pas être dans le futur."],
        "connected_technology": ["Indiquez la connexion obtenue."],
    }
    text = text_of(response)
    assert "Le suivi n’a pas été enregistré" in text
    assert "La date de connexion ne peut pas être dans le futur." in text
    assert marcille.concerned.get().works == ""
    response = client.post(dossier_url(marcille), followup_form(marcille), follow=True)
    assert "Aucun changement à enregistrer." in text_of(response)


def test_instructors_update_the_dossiers_of_their_academie(client, campaign, marcille):
    client.force_login(agent(Role.ACADEMIE, Level.ACADEMIE, "24"))  # Créteil
    assert client.get(dossier_url(marcille)).status_code == 404
    client.force_login(agent(Role.ACADEMIE, Level.ACADEMIE, "14"))  # Rennes
    response = client.post(dossier_url(marcille), followup_form(marcille, works="works"), follow=True)
    assert "Suivi enregistré." in text_of(response)
    assert marcille.concerned.get().works == "works"
    client.force_login(agent(Role.NATIONAL))
    assert client.get(dossier_url(marcille)).context["can_update"]
    refused = dossier_in(campaign, ANDOUILLE, state=Application.State.REFUSED)
    assert client.get(dossier_url(refused)).status_code == 404  # only laureates are followed


def test_the_table_by_stage_and_its_exports(client, campaign, marcille, andouille):
    client.force_login(agent(Role.NATIONAL))
    client.post(
        dossier_url(marcille),
        followup_form(
            marcille, works="connected", connected_on="2026-03-02", connected_technology="fibre", connected_mbps="250"
        ),
    )
    text = text_of(client.get(reverse("ami:followup", args=[campaign.pk])))
    assert "Travaux prévus Travaux en cours Connectée Total 1 0 1 2" in text
    assert "2 écoles suivies, par commune" in text
    assert "Connectée 2 mars 2026 Fibre optique (FttH, FttO) 250,0 Mbit/s" in text

    response = client.get(reverse("ami:followup-export", args=[campaign.pk, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="suivi_laureats_ami_{campaign.pk}.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeffCode commune;Commune;Département;UAI;École;Étape;")
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert [(r["Code commune"], r["UAI"], r["Étape"]) for r in rows] == [
        (ANDOUILLE, andouille.concerned.get().school_id, "Travaux prévus"),
        (MARCILLE, MARCILLE_ECOLE, "Connectée"),
    ]
    marcille_row = rows[1]
    assert (marcille_row["Connectée le"], marcille_row["Connexion obtenue"]) == (
        "02/03/2026",
        "Fibre optique (FttH, FttO)",
    )
    assert (marcille_row["Débit mesuré après travaux (Mbit/s)"], marcille_row["Observatoire"]) == (
        "250,0",
        "pris en compte, rentrée 2025-2026",
    )
    response = client.get(reverse("ami:followup-export", args=[campaign.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:6] == ("Code commune", "Commune", "Département", "UAI", "École", "Étape")
    assert values[2][:6] == (
        MARCILLE,
        "Marcillé-Raoul",
        "35",
        MARCILLE_ECOLE,
        "ECOLE ELEMENTAIRE PUBLIQUE DE MARCILLE RAOUL",
        "Connectée",
    )
    assert values[2][10] == 250.0
