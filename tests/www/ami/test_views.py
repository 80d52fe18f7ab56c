"""Pages of the connectivity call, on the real data of the test database."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from edhub.accounts.models import Role
from edhub.ami import eligibility
from edhub.ami.models import Application, Campaign
from edhub.opendata.models import ImportRun
from edhub.territories.models import Level, Territory
from tests.accounts.factories import PASSWORD, agent
from tests.ami.factories import CampaignFactory, campaign_on, dossier_in
from tests.www.utils import text_of, title_of


@pytest.fixture
def campaign(db):
    campaign = campaign_on(Level.ACADEMIE, "14", title="AMI connectivité — académie de Rennes")  # Bretagne
    campaign.open()
    return campaign


@pytest.mark.django_db
def test_index_lists_public_calls_drafts_for_administrators_only(client, campaign):
    draft = CampaignFactory(title="Brouillon national")
    text = text_of(client.get(reverse("ami:index")))
    assert "AMI connectivité — académie de Rennes" in text
    assert "Ouvert aux candidatures" in text
    assert "Brouillon national" not in text
    assert client.get(reverse("ami:detail", args=[draft.pk])).status_code == 404
    client.login(username=agent("national").username, password=PASSWORD)
    text = text_of(client.get(reverse("ami:index")))
    assert "Brouillon national" in text
    assert "Créer un appel" in text  # on the site: a national administrator needs no staff account
    assert client.get(reverse("ami:detail", args=[draft.pk])).status_code == 200


@pytest.mark.django_db
def test_detail_shows_the_published_grid_and_versions(client, campaign):
    response = client.get(campaign.get_absolute_url())
    text = text_of(response)
    assert title_of(response).startswith("AMI connectivité — académie de Rennes")
    assert "Besoin de connectivité des écoles 30 calculée à partir des données" in text
    assert "Projet pédagogique 20 saisie par les instructeurs" in text
    assert "moins de 50,0 % des locaux éligibles à 30 Mbit/s" in text
    assert "Version 1, en vigueur depuis le" in text
    assert "Ouverture" in text


@pytest.mark.django_db
def test_eligibles_ranked_explained_and_filtered(client, campaign):
    response = client.get(reverse("ami:eligibles", args=[campaign.pk]), {"departement": "35"})
    assert response.status_code == 200
    text = text_of(response)
    assert "85 communes éligibles dans le département 35 sur 332" in text
    assert "ruralité estimée" in text
    assert "1 Marcillé-Raoul (35164) 35" in text
    assert "Mal connectée : 0,7 % des locaux éligibles à 30 Mbit/s (seuil : moins de 50,0 %)" in text
    assert "39,7 : 99,3 % des locaux sous 30 Mbit/s" in text
    assert "Pages des communes éligibles" in response.content.decode()  # 85 rows: two pages
    assert client.get(reverse("ami:eligibles", args=[campaign.pk]), {"departement": "94"}).status_code == 404


@pytest.mark.django_db
def test_eligibles_exports(client, campaign):
    url = reverse("ami:eligibles-export", args=[campaign.pk, "csv"])
    response = client.get(url, {"departement": "35"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="communes_eligibles_ami_{campaign.pk}_35.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeffRang;Code commune;Commune;")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + 85
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["Rang"], first["Code commune"], first["Commune"]) == ("1", "35164", "Marcillé-Raoul")
    assert first["Manque de connectivité (sur 40)"] == "39,7"
    assert first["Part des locaux au seuil (%)"] == "0,7"
    assert first["Densité estimée"] == "oui"
    response = client.get(reverse("ami:eligibles-export", args=[campaign.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # Académie de Rennes: Côtes-d'Armor, Finistère, Ille-et-Vilaine, Morbihan.
    assert {row[3] for row in rows[1:]} == {"22", "29", "35", "56"}
    assert rows[1][0] == 1
    assert sum(1 for row in rows[1:] if row[3] == "35") == 85


@pytest.mark.django_db
def test_a_campaign_on_a_departement_offers_only_that_departement(client):
    campaign = campaign_on(Level.DEPARTEMENT, "94", status=Campaign.Status.OPEN)
    response = client.get(reverse("ami:eligibles", args=[campaign.pk]))
    text = text_of(response)
    assert "0 commune éligible sur 47" in text
    assert "Aucune commune ne remplit les conditions de l’appel." in text
    assert [c for c, _ in response.context["form"].fields["departement"].choices] == ["", "94"]


def admin_form(territory, **changes):
    data = {
        "title": "AMI connectivité 2027",
        "territory": territory.pk,
        "status": Campaign.Status.OPEN,
        "opens_on": "2027-01-04",
        "closes_on": "2027-03-31",
        "budget": "2000000",
        "laureates_min": "30",
        "laureates_max": "50",
        "speed_threshold": "30",
        "share_threshold": "50",
        "rural_only": "on",
        "requires_public_ecole": "on",
    }
    for prefix in ("criteria", "versions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **changes}


@pytest.mark.django_db
def test_administration_creates_an_open_call_with_the_default_grid_and_versions_its_rules(client, admin_user):
    client.force_login(admin_user)
    france = Territory.objects.get(level=Level.FRANCE)
    response = client.post(reverse("admin:ami_campaign_add"), admin_form(france))
    assert response.status_code == 302
    campaign = Campaign.objects.get(title="AMI connectivité 2027")
    assert campaign.criteria.count() == 6
    assert (campaign.version, campaign.versions.get().note) == (1, "Ouverture")
    grid = campaign.criteria.order_by("position")
    data = admin_form(france, budget="1500000")
    data.update({"criteria-TOTAL_FORMS": "6", "criteria-INITIAL_FORMS": "6"})
    for i, criterion in enumerate(grid):
        data.update(
            {
                f"criteria-{i}-id": criterion.pk,
                f"criteria-{i}-campaign": campaign.pk,
                f"criteria-{i}-position": criterion.position,
                f"criteria-{i}-code": criterion.code,
                f"criteria-{i}-label": criterion.label,
                f"criteria-{i}-weight": criterion.weight,
                f"criteria-{i}-published": "on",
                **({f"criteria-{i}-automatic": "on"} if criterion.automatic else {}),
            }
        )
    data.update({"versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1"})
    data.update({"versions-0-id": campaign.versions.get().pk, "versions-0-campaign": campaign.pk})
    response = client.post(reverse("admin:ami_campaign_change", args=[campaign.pk]), data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.version == 2
    latest = campaign.versions.order_by("-number").first()
    assert (latest.number, latest.rules["budget"], latest.note) == (2, 1_500_000, "Modification des règles")
    assert latest.created_by == admin_user
    assert campaign.versions.get(number=1).rules["budget"] == 2_000_000
    assert f'href="{reverse("ami:campaign-create")}"' in client.get(reverse("ami:index")).content.decode()


@pytest.mark.django_db
def test_pre_identification_is_cached_until_the_data_or_the_gates_change(client, campaign, monkeypatch):
    calls = []
    compute = eligibility.pre_identify
    monkeypatch.setattr(
        eligibility, "pre_identify", lambda *args, **kwargs: calls.append(1) or compute(*args, **kwargs)
    )
    url = reverse("ami:eligibles", args=[campaign.pk])
    first = text_of(client.get(url, {"departement": "35"}))
    assert "85 communes éligibles dans le département 35 sur 332" in first
    assert text_of(client.get(url, {"departement": "35"})) == first
    client.get(reverse("ami:eligibles-export", args=[campaign.pk, "csv"]), {"departement": "35"})
    assert len(calls) == 1  # the page again and its export read the cache
    cached = eligibility.cached_pre_identify(campaign, departement="35")
    assert (len(cached.assessments), cached.assessed, cached.eligible[0].code) == (85, 332, "35164")

    ImportRun.objects.create(
        source="inventaires",
        file_name="inventaire.csv",
        checksum="1" * 64,
        status="success",
        finished_at=timezone.now(),
    )
    assert "85 communes éligibles" in text_of(client.get(url, {"departement": "35"}))
    assert len(calls) == 2  # a new data version: computed again
    campaign.speed_threshold = 8
    campaign.save()
    stricter = client.get(url, {"departement": "35"})
    assert len(calls) == 3  # other gates: computed again
    assert stricter.context["page"].paginator.count < 85


MACOUBA = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [-61.15275, 14.8472]},
    "properties": {
        "code": "97215",
        "name": "Macouba",
        "departement": "972",
        "eligible": True,
        "rank": 1,
        "score": 71.7,
        "dossier": None,
        "dossier_label": None,
        "laureate": False,
    },
}
FONDS_SAINT_DENIS = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [-61.10615, 14.72115]},
    "properties": {
        "code": "97208",
        "name": "Fonds-Saint-Denis",
        "departement": "972",
        "eligible": True,
        "rank": 2,
        "score": 63.6,
        "dossier": None,
        "dossier_label": None,
        "laureate": False,
    },
}


@pytest.fixture
def martinique(db):
    """A call on Martinique (two eligible communes): Macouba retained, Fort-de-France (not eligible) refused."""
    campaign = campaign_on(Level.DEPARTEMENT, "972", title="AMI Martinique")
    campaign.open()
    dossier_in(campaign, "97215", state=Application.State.ACCEPTED)
    dossier_in(campaign, "97209", state=Application.State.REFUSED)
    return campaign


def map_data(client, campaign):
    response = client.get(reverse("ami:map-data", args=[campaign.pk]))
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def with_dossier(feature, dossier, label, laureate=False):
    return {
        **feature,
        "properties": {**feature["properties"], "dossier": dossier, "dossier_label": label, "laureate": laureate},
    }


def fort_de_france(dossier, label):
    commune = Territory.objects.get(level=Level.COMMUNE, code="97209")
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(commune.longitude, 5), round(commune.latitude, 5)]},
        "properties": {
            "code": "97209",
            "name": "Fort-de-France",
            "departement": "972",
            "eligible": False,
            "rank": None,
            "score": None,
            "dossier": dossier,
            "dossier_label": label,
            "laureate": False,
        },
    }


@pytest.mark.django_db
def test_map_shows_eligible_communes_to_everyone_and_dossiers_to_instructors(client, martinique):
    assert map_data(client, martinique) == {"type": "FeatureCollection", "features": [MACOUBA, FONDS_SAINT_DENIS]}
    client.force_login(agent(Role.NATIONAL))
    assert map_data(client, martinique)["features"] == [
        with_dossier(MACOUBA, "accepted", "Retenu", laureate=True),
        FONDS_SAINT_DENIS,
        fort_de_france("refused", "Non retenu"),
    ]
    client.force_login(agent(Role.COMMUNE, Level.COMMUNE, "97209"))  # its own dossier only
    assert map_data(client, martinique)["features"] == [
        MACOUBA,
        FONDS_SAINT_DENIS,
        fort_de_france("refused", "Non retenu"),
    ]
    client.force_login(agent(Role.ACADEMIE, Level.ACADEMIE, "24"))  # Créteil: none of these dossiers
    assert map_data(client, martinique)["features"] == [MACOUBA, FONDS_SAINT_DENIS]


@pytest.mark.django_db
def test_map_shows_candidates_and_laureates_once_results_are_published(client, martinique):
    martinique.results_published_at = timezone.now()
    martinique.save()
    assert map_data(client, martinique)["features"] == [
        with_dossier(MACOUBA, "laureate", "Lauréate", laureate=True),
        FONDS_SAINT_DENIS,
        fort_de_france("candidate", "Candidate"),  # its refusal is not published
    ]
    response = client.get(reverse("ami:map", args=[martinique.pk]))
    text = text_of(response)
    assert "Communes éligibles (2)" in text
    assert "Communes lauréates (1)" in text
    assert "Communes candidates non lauréates (1)" in text
    assert "55 à moins de 65 (1)" in text
    assert "65 à moins de 75 (1)" in text
    assert "Macouba (97215) 972 Lauréate 1 71,7" in text
    assert "Fort-de-France (97209) 972 Candidate non éligible —" in text
    config = response.context["map_config"]
    assert config["data"] == reverse("ami:map-data", args=[martinique.pk])
    assert config["outline"] == "/api/v1/geometries/departement?parent=departement:972"


@pytest.mark.django_db
def test_map_of_a_draft_is_for_administrators_only(client):
    draft = campaign_on(Level.DEPARTEMENT, "972")
    assert client.get(reverse("ami:map", args=[draft.pk])).status_code == 404
    assert client.get(reverse("ami:map-data", args=[draft.pk])).status_code == 404
    client.force_login(agent(Role.NATIONAL))
    response = client.get(reverse("ami:map", args=[draft.pk]))
    assert response.status_code == 200
    assert "Les communes candidates et les lauréates figureront ici à la publication des résultats." in text_of(
        response
    )
