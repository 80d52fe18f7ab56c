from django.core.management.base import BaseCommand, CommandError

from edhub.accounts.agents import parse_territory, save_agent
from edhub.accounts.models import Role


class Command(BaseCommand):
    help = (
        "Crée ou modifie un compte et le rend membre, avec ce rôle, de l'organisation où le rôle s'exerce (la "
        "commune, le département, la DANE…, créée s'il le faut) ; ses autres appartenances sont gardées. Sans "
        "--password, un "
        "nouveau compte reçoit un mot de passe aléatoire, affiché une fois."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="Identifiant de connexion.")
        parser.add_argument("--role", required=True, choices=Role.values, help="Rôle de l'agent.")
        parser.add_argument("--territory", metavar="NIVEAU:CODE", help="Territoire du rôle (ex. commune:94028).")
        parser.add_argument("--email", default="", help="Adresse électronique (celle de ProConnect).")
        parser.add_argument("--password", help="Mot de passe (12 caractères au moins conseillés).")
        parser.add_argument(
            "--admin", action="store_true", help="Administrateur de l'organisation (invite et retire ses membres)."
        )

    def handle(self, *args, username, role, territory=None, email="", password=None, admin=False, **options):
        try:
            place = parse_territory(territory) if territory else None
            membership, password = save_agent(username, role, place, email=email, password=password, admin=admin)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Agent {username} : {membership.label()}{' (administrateur)' if membership.is_admin else ''}."
        )
        if password:
            self.stdout.write(f"Mot de passe : {password}")
