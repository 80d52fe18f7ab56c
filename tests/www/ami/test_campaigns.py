"""Campaign management from the site: national administrators create, edit, open and close calls; others may not."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edhub.accounts.models import Role
from edhub.ami.models import DEFAULT_GRID, Application, Campaign
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.ami.factories import CampaignFactory, campaign_on, dossier_in, give_scores
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db


def grid_data(rows=None, initial=0, extra=2):
    """The scoring grid as the page posts it: `rows` are (id, position, code, label, weight, automatic, published,
    delete), the default grid when None, then `extra` blank lines."""
    if rows is None:
        rows = [
            (None, position, code, label, weight, automatic, True, False)
            for position, (code, label, weight, automatic) in enumerate(DEFAULT_GRID, start=1)
        ]
    data = {
        "criteria-TOTAL_FORMS": str(len(rows) + extra),
        "criteria-INITIAL_FORMS": str(initial),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, (pk, position, code, label, weight, automatic, published, delete) in enumerate(rows):
        data.update(
            {
                f"criteria-{i}-id": pk or "",
                f"criteria-{i}-position": position,
                f"criteria-{i}-code": code,
                f"criteria-{i}-label": label,
                f"criteria-{i}-weight": weight,
                **({f"criteria-{i}-automatic": "on"} if automatic else {}),
                **({f"criteria-{i}-published": "on"} if published else {}),
                **({f"criteria-{i}-DELETE": "on"} if delete else {}),
            }
        )
    return data


def campaign_data(territory, grid=None, **changes):
    data = {
        "title": "AMI connectivité Bretagne 2027",
        "territory": territory.pk,
        "opens_on": "2027-01-04",
        "closes_on": "2027-03-31",
        "budget": "800000",
        "laureates_min": "5",
        "laureates_max": "12",
        "ceiling_per_school": "40000",
        "ceiling_per_class": "",
        "cap_per_departement": "4",
        "rural_only": "on",
        "requires_public_ecole": "on",
        "speed_threshold": "30",
        "share_threshold": "50",
        **(grid if grid is not None else grid_data()),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def existing_grid(campaign, **weights):
    rows = [
        (c.pk, c.position, c.code, c.label, weights.get(c.code, c.weight), c.automatic, c.published, False)
        for c in campaign.criteria.order_by("position")
    ]
    return grid_data(rows, initial=len(rows))


@pytest.fixture
def national(client):
    user = agent(Role.NATIONAL)
    client.force_login(user)
    return user


@pytest.fixture
def rennes():
    return Territory.objects.get(level=Level.ACADEMIE, code="14")


def test_only_national_administrators_manage_calls(client):
    campaign = CampaignFactory()
    urls = [
        reverse("ami:campaign-create"),
        reverse("ami:campaign-edit", args=[campaign.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert client.post(reverse("ami:campaign-open", args=[campaign.pk])).status_code == 302
    for user in (
        agent(Role.ACADEMIE, Level.ACADEMIE, "24"),
        agent(Role.COMMUNE, Level.COMMUNE, "94028"),
        agent(Role.READER, Level.DEPARTEMENT, "94"),
    ):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403]
        assert client.post(reverse("ami:campaign-open", args=[campaign.pk])).status_code == 403
        france = Territory.objects.get(level=Level.FRANCE)
        assert client.post(reverse("ami:campaign-create"), campaign_data(france)).status_code == 403
        assert "Créer un appel" not in text_of(client.get(reverse("ami:index")))
    assert Campaign.objects.count() == 1
    assert Campaign.objects.get().status == Campaign.Status.DRAFT


def test_a_national_administrator_creates_a_call_with_the_default_grid(client, national, rennes):
    index = client.get(reverse("ami:index"))
    assert f'href="{reverse("ami:campaign-create")}"' in index.content.decode()
    page = client.get(reverse("ami:campaign-create"))
    assert page.status_code == 200
    content = page.content.decode()
    for group in ("France", "Régions académiques", "Académies", "Départements"):
        assert f'<optgroup label="{group}">' in content
    assert f'<option value="{rennes.pk}">Rennes</option>' in content
    assert "Ille-et-Vilaine (35)</option>" in content
    formset = page.context["formset"]
    assert [form.initial.get("code") for form in formset] == [code for code, *_ in DEFAULT_GRID] + [None, None]

    response = client.post(reverse("ami:campaign-create"), campaign_data(rennes, share_threshold="33,5"))
    campaign = Campaign.objects.get(title="AMI connectivité Bretagne 2027")
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert (campaign.status, campaign.version, campaign.territory, campaign.budget) == ("draft", 0, rennes, 800_000)
    assert (campaign.ceiling_per_school, campaign.ceiling_per_class, campaign.cap_per_departement) == (40_000, None, 4)
    assert (campaign.speed_threshold, campaign.share_threshold) == (30, 33.5)
    grid = [(c.position, c.code, c.label, c.weight, c.automatic, c.published) for c in campaign.criteria.all()]
    assert grid == [(i, *row, True) for i, row in enumerate(DEFAULT_GRID, start=1)]
    detail = text_of(client.get(campaign.get_absolute_url()))
    assert "Appel créé en brouillon : vérifiez ses règles, puis ouvrez-le aux candidatures." in detail
    assert "Ouvrir l’appel aux candidatures" in detail


def test_form_errors_are_explained(client, national, rennes):
    url = reverse("ami:campaign-create")
    grid = grid_data(
        [(None, 1, "projet", "Projet", 60, False, True, False), (None, 2, "projet", "Coût", 30, False, True, False)]
    )
    response = client.post(
        url, campaign_data(rennes, grid=grid, closes_on="2026-12-01", laureates_min="12", laureates_max="5")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "closes_on": ["La clôture doit suivre l'ouverture."],
        "laureates_max": ["Le nombre maximal de lauréats doit être au moins le nombre minimal."],
    }
    assert response.context["formset"].non_form_errors() == [
        "Le code « projet » est celui de plusieurs critères : chaque critère a son propre code.",
        "La somme des poids de la grille doit faire 100 : elle fait 90.",
    ]
    text = text_of(response)
    assert "Le formulaire contient des erreurs" in text
    assert "La somme des poids de la grille doit faire 100 : elle fait 90." in text
    assert "La clôture doit suivre l'ouverture." in text

    commune = Territory.objects.get(level=Level.COMMUNE, code="35164")
    response = client.post(url, campaign_data(commune, grid=grid_data([]), share_threshold="0"))
    assert response.context["form"].errors == {
        "territory": ["Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."],
        "share_threshold": ["Une part entre 0 et 100 %."],
    }
    assert response.context["formset"].non_form_errors() == ["La grille doit compter au moins un critère."]
    assert not Campaign.objects.exists()


def test_opening_then_editing_records_versions_with_their_reason(client, national, rennes):
    client.post(reverse("ami:campaign-create"), campaign_data(rennes))
    campaign = Campaign.objects.get()
    edit = reverse("ami:campaign-edit", args=[campaign.pk])
    # A draft is edited freely: no version, no reason asked.
    assert "reason" not in client.get(edit).context["form"].fields
    client.post(edit, campaign_data(rennes, grid=existing_grid(campaign), budget="900000"))
    campaign.refresh_from_db()
    assert (campaign.budget, campaign.version, campaign.versions.count()) == (900_000, 0, 0)

    response = client.post(reverse("ami:campaign-open", args=[campaign.pk]))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (Campaign.Status.OPEN, 1)
    assert (campaign.versions.get().note, campaign.versions.get().created_by) == ("Ouverture", national)

    data = campaign_data(rennes, grid=existing_grid(campaign, projet=25, cofinancement=5), budget="750000")
    response = client.post(edit, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reason": ["Indiquez le motif de la modification : il est publié avec la nouvelle version."]
    }
    assert campaign.versions.count() == 1

    response = client.post(edit, {**data, "reason": "Budget revu, projet pédagogique renforcé"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    latest = campaign.versions.order_by("-number").first()
    assert (campaign.version, latest.number, latest.note, latest.created_by) == (
        2,
        2,
        "Budget revu, projet pédagogique renforcé",
        national,
    )
    assert latest.rules["budget"] == 750_000
    assert [(c["code"], c["weight"]) for c in latest.rules["criteria"]][3:5] == [("projet", 25), ("cofinancement", 5)]
    assert campaign.versions.get(number=1).rules["budget"] == 900_000
    text = text_of(client.get(campaign.get_absolute_url()))
    assert "Règles modifiées : version 2 enregistrée (Budget revu, projet pédagogique renforcé)." in text
    assert "Version 2, en vigueur depuis le" in text
    assert "— Budget revu, projet pédagogique renforcé" in text

    # Saved again unchanged: no new version.
    unchanged = campaign_data(rennes, grid=existing_grid(campaign), budget="750000", reason="Rien")
    response = client.post(edit, unchanged)
    assert response.status_code == 302
    assert campaign.versions.count() == 2
    assert "Aucune règle n'a été modifiée." in text_of(client.get(campaign.get_absolute_url()))


def test_a_scored_criterion_stays_and_the_territory_is_kept_once_communes_applied(client, national, rennes):
    campaign = campaign_on(Level.ACADEMIE, "14", title="AMI connectivité Bretagne 2027")
    campaign.open()
    dossier = dossier_in(campaign, "35164")
    give_scores(dossier, national, projet=15)
    rows = [
        (
            c.pk,
            c.position,
            c.code,
            c.label,
            c.weight + (20 if c.code == "cofinancement" else 0),
            c.automatic,
            True,
            c.code == "projet",
        )
        for c in campaign.criteria.order_by("position")
    ]
    france = Territory.objects.get(level=Level.FRANCE)
    response = client.post(
        reverse("ami:campaign-edit", args=[campaign.pk]),
        campaign_data(france, grid=grid_data(rows, initial=len(rows)), reason="Grille simplifiée"),
    )
    assert response.context["formset"].non_form_errors() == [
        "Le critère « Projet pédagogique » a déjà des notes : il ne peut pas être supprimé "
        "(dépubliez-le ou changez son poids)."
    ]
    form = response.context["form"]
    assert form.fields["territory"].disabled
    assert form.cleaned_data["territory"] == rennes  # a disabled field keeps the call's territory
    assert campaign.criteria.filter(code="projet").exists()


def test_opening_refuses_a_grid_that_does_not_sum_to_100(client, national):
    campaign = CampaignFactory()
    campaign.add_default_grid()
    campaign.criteria.filter(code="projet").update(weight=10)
    response = client.post(reverse("ami:campaign-open", args=[campaign.pk]), follow=True)
    assert "La somme des poids de la grille fait 90 au lieu de 100 : corrigez-la avant d'ouvrir." in text_of(response)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (Campaign.Status.DRAFT, 0)


def test_a_national_administrator_closes_an_open_call(client, national):
    campaign = campaign_on(Level.ACADEMIE, "14", title="AMI connectivité Bretagne 2027")
    close = reverse("ami:campaign-close", args=[campaign.pk])
    # A draft is not closed: it is opened first.
    assert "Clore l’appel" not in text_of(client.get(campaign.get_absolute_url()))
    response = client.post(close, follow=True)
    assert "Seul un appel ouvert aux candidatures peut être clos." in text_of(response)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (Campaign.Status.DRAFT, 0)

    campaign.open(national)
    page = text_of(client.get(campaign.get_absolute_url()))
    assert (
        "Clore l’appel met fin aux dépôts : aucune commune ne pourra plus y déposer de candidature, quelle que "
        in (page)
    )
    assert "la date de clôture annoncée (31 mars 2026)." in page
    assert client.get(close).status_code == 405  # a change of state is a POST

    response = client.post(close)
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (Campaign.Status.CLOSED, 2)
    opening, closing = campaign.versions.order_by("number")
    assert (closing.number, closing.note, closing.created_by) == (2, "Clôture", national)
    assert closing.rules == opening.rules  # the rules do not change
    text = text_of(client.get(campaign.get_absolute_url()))
    assert (
        "Appel clos : il ne reçoit plus de nouvelle candidature (clôture enregistrée en version 2 des règles, "
        "inchangées). Les dossiers renvoyés pour compléments peuvent encore être redéposés."
    ) in text
    assert "Clos Règles en version 2" in text
    assert "— Clôture" in text
    assert "Clore l’appel" not in text

    # Closed once: closing again changes nothing.
    response = client.post(close, follow=True)
    assert "Seul un appel ouvert aux candidatures peut être clos." in text_of(response)
    assert campaign.versions.count() == 2


def test_a_closed_call_takes_no_first_deposit(client, national):
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine")
    campaign.open(national)
    dossier = dossier_in(campaign, "35164", state="draft")
    client.post(reverse("ami:campaign-close", args=[campaign.pk]))
    dossier = Application.objects.get(pk=dossier.pk)  # read again, as a page does: its call is closed
    assert dossier.campaign.status == Campaign.Status.CLOSED
    mayor = agent(Role.COMMUNE, Level.COMMUNE, "35164")
    with pytest.raises(ValidationError) as error:
        dossier.move("submitted", mayor, today=datetime.date(2026, 2, 2))  # within the announced dates
    assert error.value.messages == ["Les candidatures sont reçues du 05/01/2026 au 31/03/2026, appel ouvert."]
    dossier.refresh_from_db()
    assert dossier.state == "draft"


def test_only_national_administrators_close_a_call(client):
    campaign = CampaignFactory()
    campaign.open()
    close = reverse("ami:campaign-close", args=[campaign.pk])
    response = client.post(close)
    assert response["Location"] == f"{reverse('accounts:login')}?next={close}"
    for user in (
        agent(Role.ACADEMIE, Level.ACADEMIE, "24"),
        agent(Role.COMMUNE, Level.COMMUNE, "94028"),
        agent(Role.READER, Level.DEPARTEMENT, "94"),
    ):
        client.force_login(user)
        assert "Clore l’appel" not in text_of(client.get(campaign.get_absolute_url()))
        assert client.post(close).status_code == 403
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (Campaign.Status.OPEN, 1)
