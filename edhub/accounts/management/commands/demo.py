import datetime
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from edhub.accounts.agents import parse_territory, save_agent
from edhub.accounts.models import Role
from edhub.ami.models import Campaign
from edhub.territories.models import Level, Territory

# The demo accounts of the embedded platform: one per kind of agent around Créteil.
DEMO_AGENTS = (
    ("demo-national", Role.NATIONAL, None),
    ("demo-academie-creteil", Role.ACADEMIE, "academie:24"),
    ("demo-val-de-marne", Role.DEPARTEMENT, "departement:94"),
    ("demo-creteil", Role.COMMUNE, "commune:94028"),
)
DEMO_CAMPAIGN = "Écoles rurales connectées (démonstration)"


class Command(BaseCommand):
    help = (
        "Données de démonstration de la plateforme embarquée : un compte par rôle autour de Créteil (mots de passe "
        "aléatoires gardés dans var/demo-comptes.txt) et un appel à manifestation d'intérêt « connectivité » "
        "ouvert. À ne pas lancer en production."
    )

    def handle(self, *args, **options):
        if not Territory.objects.filter(level=Level.FRANCE).exists():
            self.stdout.write("Référentiel géographique absent : lancez d'abord « edhub setup ».")
            return
        self._campaign()
        self._agents()

    def _campaign(self):
        if Campaign.objects.filter(title=DEMO_CAMPAIGN).exists():
            return
        today = datetime.date.today()
        campaign = Campaign.objects.create(
            title=DEMO_CAMPAIGN,
            territory=Territory.objects.get(level=Level.FRANCE),
            opens_on=today,
            closes_on=today + datetime.timedelta(days=90),
            budget=3_000_000,
            laureates_min=30,
            laureates_max=50,
            ceiling_per_school=15_000,
            cap_per_departement=3,
        )
        campaign.open()
        self.stdout.write(f"Appel de démonstration ouvert : « {campaign.title} » ({campaign.get_absolute_url()}).")

    def _agents(self):
        path = settings.VAR_DIR / "demo-comptes.txt"
        if path.exists():
            self.stdout.write(path.read_text(encoding="utf-8"))
            return
        lines = ["Comptes de démonstration (page /compte/connexion/ du site) :"]
        for username, role, territory in DEMO_AGENTS:
            place = parse_territory(territory) if territory else None
            user, password = save_agent(username, role, place, password=secrets.token_urlsafe(12))
            lines.append(f"  {username:<24} {password}   ({user.habilitation})")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.stdout.write("\n".join(lines))
