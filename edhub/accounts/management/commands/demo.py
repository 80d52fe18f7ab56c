import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from edhub.accounts.agents import parse_territory, save_agent
from edhub.accounts.models import Role

# The demo accounts of the embedded platform: one per kind of agent around Créteil.
DEMO_AGENTS = (
    ("demo-national", Role.NATIONAL, None),
    ("demo-academie-creteil", Role.ACADEMIE, "academie:24"),
    ("demo-val-de-marne", Role.DEPARTEMENT, "departement:94"),
    ("demo-creteil", Role.COMMUNE, "commune:94028"),
)


class Command(BaseCommand):
    help = (
        "Comptes de démonstration de la plateforme embarquée (un par rôle autour de Créteil), avec un mot de passe "
        "aléatoire gardé dans var/demo-comptes.txt. À ne pas lancer en production."
    )

    def handle(self, *args, **options):
        path = settings.VAR_DIR / "demo-comptes.txt"
        if path.exists():
            self.stdout.write(path.read_text(encoding="utf-8"))
            return
        lines = ["Comptes de démonstration (page /compte/connexion/ du site) :"]
        for username, role, territory in DEMO_AGENTS:
            try:
                place = parse_territory(territory) if territory else None
            except ValueError:
                continue  # geography not loaded
            user, password = save_agent(username, role, place, password=secrets.token_urlsafe(12))
            lines.append(f"  {username:<24} {password}   ({user.habilitation})")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.stdout.write("\n".join(lines))
