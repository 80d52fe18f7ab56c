import datetime

import factory

from edhub.ami.models import Campaign
from edhub.territories.models import Level, Territory


class CampaignFactory(factory.django.DjangoModelFactory):
    """A call on France with the default rules (30 Mbit/s, fewer than 50 % of premises), in draft."""

    class Meta:
        model = Campaign

    title = "AMI connectivité des écoles rurales 2026"
    territory = factory.LazyFunction(lambda: Territory.objects.get(level=Level.FRANCE))
    opens_on = datetime.date(2026, 1, 5)
    closes_on = datetime.date(2026, 3, 31)
    budget = 3_000_000


def campaign_on(level, code, **kwargs):
    return CampaignFactory(territory=Territory.objects.get(level=level, code=code), **kwargs)
