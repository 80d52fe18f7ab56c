import datetime

import pytest
from django.core.exceptions import ValidationError

from edhub.ami.models import DEFAULT_GRID, Campaign
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.ami.factories import CampaignFactory


@pytest.mark.django_db
def test_default_grid_is_the_grid_of_the_call():
    campaign = CampaignFactory()
    campaign.add_default_grid()
    grid = [(c.code, c.label, c.weight, c.automatic) for c in campaign.criteria.all()]
    assert grid == list(DEFAULT_GRID)
    assert sum(c.weight for c in campaign.criteria.all()) == 100
    assert [c.code for c in campaign.criteria.filter(automatic=True)] == ["connectivite", "ruralite", "social"]
    campaign.add_default_grid()  # idempotent
    assert campaign.criteria.count() == 6


@pytest.mark.django_db
def test_draft_has_no_version_opening_freezes_version_1():
    campaign = CampaignFactory()
    assert campaign.record_version() is None  # drafts are edited freely
    admin = agent("national")
    version = campaign.open(admin)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (Campaign.Status.OPEN, 1)
    assert (version.number, version.note, version.created_by) == (1, "Ouverture", admin)
    assert version.rules["budget"] == 3_000_000
    assert version.rules["territory"] == {"level": "france", "code": "FR", "name": "France"}
    assert version.rules["speed_threshold"] == 30
    assert [c["weight"] for c in version.rules["criteria"]] == [30, 15, 15, 20, 10, 10]
    with pytest.raises(ValidationError):
        campaign.open(admin)


@pytest.mark.django_db
def test_changing_the_rules_of_an_open_call_records_a_new_version():
    campaign = CampaignFactory()
    campaign.open()
    assert campaign.record_version() is None  # nothing changed
    campaign.budget = 2_500_000
    campaign.save()
    criterion = campaign.criteria.get(code="projet")
    criterion.weight = 25
    criterion.save()
    version = campaign.record_version(note="Budget réduit, projet renforcé")
    assert (version.number, version.note) == (2, "Budget réduit, projet renforcé")
    assert version.rules["budget"] == 2_500_000
    assert [c["weight"] for c in version.rules["criteria"] if c["code"] == "projet"] == [25]
    first = campaign.versions.get(number=1)
    assert first.rules["budget"] == 3_000_000  # the rules in force before stay as they were
    assert Campaign.objects.get(pk=campaign.pk).version == 2
    campaign.status = Campaign.Status.CLOSED  # closing is not a change of the rules
    campaign.save()
    assert campaign.record_version() is None


@pytest.mark.django_db
def test_clean_refuses_a_commune_inverted_dates_and_laureates():
    campaign = CampaignFactory.build(
        territory=Territory.objects.get(level=Level.COMMUNE, code="94028"),
        closes_on=datetime.date(2026, 1, 1),
        laureates_min=40,
        laureates_max=30,
    )
    with pytest.raises(ValidationError) as error:
        campaign.clean()
    assert set(error.value.message_dict) == {"territory", "closes_on", "laureates_max"}


@pytest.mark.django_db
def test_cost_model_takes_the_lowest_ceiling():
    campaign = CampaignFactory(ceiling_per_school=20_000, ceiling_per_class=4_000)
    assert campaign.cost_ceiling(schools=2, classes=7) == 28_000
    assert campaign.cost_ceiling(schools=1, classes=7) == 20_000
    assert CampaignFactory().cost_ceiling(schools=1, classes=7) is None
