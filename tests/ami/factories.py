import datetime

import factory
from django.utils import timezone

from edhub.ami.models import Application, Campaign, Score
from edhub.schools.models import ECOLE_KINDS, School, Sector
from edhub.schools.models import State as SchoolState
from edhub.territories.models import Level, Territory
from tests.accounts.factories import UserFactory


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


def dossier_in(campaign, code, state="in_instruction", estimated_cost=50_000, **fields):
    """The dossier of the real commune `code`, created directly in `state` (submitted before), with the open public
    écoles of the commune concerned."""
    commune = Territory.objects.get(level=Level.COMMUNE, code=code)
    application = Application.objects.create(
        campaign=campaign,
        commune=commune,
        author=UserFactory(username=f"mairie-{code}"),
        state=state,
        project=f"Raccordement des écoles de {commune.name}",
        estimated_cost=estimated_cost,
        contact_name="Camille Martin",
        contact_email=f"mairie-{code}@example.fr",
        submitted_at=timezone.now(),
        rules_version=campaign.version,
        **fields,
    )
    ecoles = School.objects.filter(commune=commune, kind__in=ECOLE_KINDS, sector=Sector.PUBLIC)
    application.schools.set(ecoles.exclude(state=SchoolState.CLOSED))
    return application


def give_scores(application, scorer, **points):
    """The points of `scorer` on manual criteria of the dossier's campaign, by code (projet=15, ...)."""
    criteria = {criterion.code: criterion for criterion in application.campaign.criteria.all()}
    return [
        Score.objects.create(application=application, criterion=criteria[code], scorer=scorer, points=value)
        for code, value in points.items()
    ]
