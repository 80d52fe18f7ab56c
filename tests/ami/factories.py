import datetime
import io

import factory
from django.utils import timezone
from pypdf import PdfWriter

from edhub.accounts.models import Role
from edhub.ami.models import Application, Campaign, Score
from edhub.schools.models import ECOLE_KINDS, School, Sector
from edhub.schools.models import State as SchoolState
from edhub.territories.models import Level, Territory
from tests.accounts.factories import UserFactory, agent


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


def greedy_trap(campaign, scorers):
    """Four fully scored dossiers of the Côtes-d'Armor where the greedy ranking misses the best selection.

    Points computed from data (connectivity, rurality, social) + the same manual points from both scorers:
    Kerpert 30,0 + 15,0 + 10,8 + 34 = 89,8 (100 000 €), Calanhel 29,6 + 10,0 + 15,0 + 29 = 83,6 (60 000 €),
    Lanrivain 30,0 + 15,0 + 8,8 + 27 = 80,8 (60 000 €), Plourac'h 29,8 + 15,0 + 8,6 + 20 = 73,4 (70 000 €).
    With a budget of 120 000 €, the greedy ranking takes Kerpert alone (89,8 points); the optimum is Calanhel and
    Lanrivain (164,4 points for 120 000 €)."""
    manual = {
        "22092": (100_000, {"projet": 18, "cofinancement": 8, "coherence": 8}),
        "22024": (60_000, {"projet": 15, "cofinancement": 7, "coherence": 7}),
        "22115": (60_000, {"projet": 14, "cofinancement": 7, "coherence": 6}),
        "22231": (70_000, {"projet": 10, "cofinancement": 5, "coherence": 5}),
    }
    dossiers = {}
    for code, (cost, points) in manual.items():
        dossiers[code] = dossier_in(campaign, code, estimated_cost=cost)
        for scorer in scorers:
            give_scores(dossiers[code], scorer, **points)
    return dossiers


def instructor(username, first_name, last_name, role=Role.ACADEMIE):
    """An instructor with a known name: of the académie de Rennes (14), or a national administrator."""
    where = (Level.ACADEMIE, "14") if role == Role.ACADEMIE else (None, None)
    user = agent(role, *where, username=username)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def one_page_pdf():
    """A real PDF of one blank A4 page, as pypdf writes it (the deliberation check reads the whole structure)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
