"""Switching the membership in use: the header's form, what the pages and the policy answer after it, a crafted
switch to a membership the user does not hold, and a member removed while logged in."""

import re

import pytest
from django.urls import reverse

from edhub.accounts.middleware import SESSION_KEY
from edhub.accounts.models import Membership, Role
from edhub.accounts.permissions import may
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent, member
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
SWITCH = reverse("accounts:switch")
INVENTORIES = reverse("inventories:index")


@pytest.fixture
def two_hats(client):
    """An agent of the commune of Créteil (joined first) who is also an agent of the Val-de-Marne."""
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="deux-casquettes")
    departement = member(user, Role.DEPARTEMENT, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    client.force_login(user)
    return user, user.memberships.get(role=Role.COMMUNE), departement


def validated_upload(user, territory):
    return Upload.objects.create(
        territory=territory,
        author=user,
        role=Role.DEPARTEMENT,
        file="inventaires/x.csv",
        file_name="x.csv",
        checksum="0" * 64,
        status=Upload.Status.VALIDATED,
    )


def test_the_header_offers_the_memberships_held(client, two_hats):
    _, commune, departement = two_hats
    page = client.get(reverse("home"))
    options = re.findall(r'<option value="(\d+)"\s*(selected)?\s*>([^<]*)</option>', page.content.decode())
    assert options == [
        (str(commune.pk), "selected", "Commune — Créteil"),
        (str(departement.pk), "", "Département — Val-de-Marne"),
    ]
    text = text_of(page)
    assert "Vous agissez pour Commune — Créteil Département — Val-de-Marne Changer d’organisation" in text
    assert "Tableau de bord Mon compte Se déconnecter (deux-casquettes)" in text


def test_one_membership_is_said_without_a_form(client):
    client.force_login(agent(Role.COMMUNE, Level.COMMUNE, "94028"))
    page = client.get(reverse("home"))
    text = text_of(page)
    assert "Vous agissez pour Commune — Créteil" in text
    assert "Changer d’organisation" not in text
    assert SWITCH not in page.content.decode()


def test_switching_changes_the_pages_and_the_policy(client, two_hats):
    user, commune, departement = two_hats
    upload = validated_upload(user, departement.organisation.territory)
    response = client.get(INVENTORIES)
    assert "Vous agissez pour Commune — Créteil Rôle : Commune." in text_of(response)
    assert may(response.wsgi_request.user, "inventories.confirm", upload) is False

    response = client.post(SWITCH, {"membership": departement.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.session[SESSION_KEY] == departement.pk
    assert "Vous agissez désormais pour Département — Val-de-Marne." in text_of(client.get(response["Location"]))

    response = client.get(INVENTORIES)
    text = text_of(response)
    assert "Vous agissez pour Département — Val-de-Marne Rôle : Département." in text
    assert "Vous pouvez déclarer : les collèges publics de Val-de-Marne" in text
    assert may(response.wsgi_request.user, "inventories.confirm", upload) is True


def test_switching_goes_back_to_a_page_of_this_site_only(client, two_hats):
    _, _, departement = two_hats
    response = client.post(SWITCH, {"membership": departement.pk, "next": INVENTORIES})
    assert response["Location"] == INVENTORIES
    response = client.post(SWITCH, {"membership": departement.pk, "next": "https://ailleurs.example/"})
    assert response["Location"] == reverse("dashboard")


def test_a_crafted_switch_to_someone_elses_membership_is_refused(client, two_hats):
    _, commune, _ = two_hats
    client.post(SWITCH, {"membership": commune.pk})
    other = agent(Role.ACADEMIE, Level.ACADEMIE, "24", username="dane").memberships.get()
    for crafted in (other.pk, "", "abc", 10**9):
        response = client.post(SWITCH, {"membership": crafted})
        assert response.status_code == 403
        assert "Vous n'êtes pas membre de cette organisation : vous ne pouvez pas agir pour elle." in text_of(response)
        assert client.session[SESSION_KEY] == commune.pk
    assert "Vous agissez pour Commune — Créteil" in text_of(client.get(INVENTORIES))
    assert client.get(SWITCH).status_code == 405


def test_anonymous_visitors_cannot_switch(client):
    response = client.post(SWITCH, {"membership": 1})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_member_removed_while_logged_in_acts_no_more_for_the_organisation(client, two_hats):
    user, _, departement = two_hats
    validated_upload(user, departement.organisation.territory)
    client.post(SWITCH, {"membership": departement.pk})
    client.get(reverse("dashboard"))  # the switch's message is read
    Membership.objects.filter(pk=departement.pk).delete()

    page = client.get(reverse("dashboard"))
    text = text_of(page)
    assert (
        "Vous n'êtes plus membre de l'organisation pour laquelle vous agissiez : vous agissez désormais pour "
        "Commune — Créteil." in text
    )
    assert "Vous agissez pour Commune — Créteil" in text  # the header, without a switch: one membership left
    assert "Changer d’organisation" not in text
    assert "Département — Val-de-Marne" not in text
    assert [section["membership"].pk for section in page.context["sections"]] == [
        user.memberships.get(role=Role.COMMUNE).pk
    ]
    assert SESSION_KEY not in client.session
    assert may(page.wsgi_request.user, "inventories.see_upload", Upload.objects.get()) is False


def test_the_header_links_to_the_journal_only_when_the_membership_in_use_administers(client):
    """The link follows the policy (« accounts.see_log ») for the membership in use: an administrator of the commune
    sees it while acting for the commune, not while acting for the DSDEN where they only read."""
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="maire-admin", admin=True)
    reader = member(user, Role.READER, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    client.force_login(user)
    journal = f'href="{reverse("audit:journal")}"'
    assert journal in client.get(reverse("dashboard")).content.decode()
    client.post(SWITCH, {"membership": reader.pk})
    assert journal not in client.get(reverse("dashboard")).content.decode()
