import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from edhub.accounts.management.commands.demo import DEMO_CAMPAIGN
from edhub.accounts.models import Role
from edhub.ami.models import Campaign

pytestmark = pytest.mark.django_db


def test_agent_creates_an_account_with_its_habilitation(capsys):
    call_command(
        "agent", "mairie-creteil", "--role", "commune", "--territory", "commune:94028", "--password", "x" * 14
    )
    out = capsys.readouterr().out
    assert "Agent mairie-creteil : mairie-creteil : Commune — Créteil (94028)." in out
    user = authenticate(username="mairie-creteil", password="x" * 14)
    assert (user.habilitation.role, user.habilitation.territory.code) == (Role.COMMUNE, "94028")

    call_command("agent", "mairie-creteil", "--role", "lecteur", "--territory", "departement:94")
    user.refresh_from_db()
    assert (user.habilitation.role, user.habilitation.territory.code) == (Role.READER, "94")
    assert authenticate(username="mairie-creteil", password="x" * 14) is not None  # password kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "commune", "--territory", "commune:99999"], "Territoire inconnu : « commune:99999 »"),
        (["--role", "commune", "--territory", "departement:94"], "territoire de niveau « commune »"),
        (["--role", "national", "--territory", "departement:94"], "n'est rattaché à aucun territoire"),
    ],
)
def test_agent_refuses_a_wrong_territory(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("agent", "quelqu-un", *args)


def test_demo_accounts_are_created_once(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo")
    first = capsys.readouterr().out
    assert "demo-creteil" in first
    assert "Département — Val-de-Marne (94)" in first
    password = first.split("demo-creteil")[1].split()[0]
    assert authenticate(username="demo-creteil", password=password) is not None
    call_command("demo")
    assert capsys.readouterr().out == first.split("\n", 1)[1]  # the call exists already: only the accounts
    campaign = Campaign.objects.get(title=DEMO_CAMPAIGN)
    assert (campaign.status, campaign.version, campaign.territory.code) == (Campaign.Status.OPEN, 1, "FR")
    assert campaign.criteria.count() == 6
    assert first.startswith(f"Appel de démonstration ouvert : « {DEMO_CAMPAIGN} »")
