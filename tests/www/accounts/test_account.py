"""The account page: profile, memberships (act for one, leave one), password change, and what an account without
membership is told."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import dateformat, timezone

from edhub.accounts.models import Role
from edhub.territories.models import Level, Territory
from tests.accounts.factories import PASSWORD, UserFactory, agent, member
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
ACCOUNT = reverse("accounts:account")


@pytest.fixture
def marie(client):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028", username="marie", admin=True)
    user.first_name, user.last_name = "Marie", "Curie"
    user.save()
    member(user, Role.READER, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(ACCOUNT)
    assert response["Location"] == f"{reverse('accounts:login')}?next={ACCOUNT}"


def test_the_page_lists_the_memberships(client, marie):
    commune, reader = marie.memberships.order_by("since", "pk")
    page = client.get(ACCOUNT)
    text = text_of(page)
    since = dateformat.format(timezone.localtime(commune.since), "j F Y")
    assert since.split()[1] in (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    )
    assert (
        "Commune — Créteil Rôle : Commune — administrateur de l’organisation : oui — membre depuis le "
        f"{since} Vous agissez pour elle" in text
    )
    assert "DSDEN — Val-de-Marne Rôle : Lecture seule — administrateur de l’organisation : non" in text
    assert "Identifiant : marie" in text
    html = page.content.decode()
    # « Agir pour » only for the membership not in use; « Quitter » for each, posted to the organisation's page.
    assert html.count('name="membership" value="') == 1
    assert f'name="membership" value="{reader.pk}"' in html
    assert text.count("Agir pour cette organisation") == 1
    for membership in (commune, reader):
        assert f'action="{reverse("organisations:leave", args=[membership.organisation.pk])}"' in html
        assert f'href="{reverse("organisations:detail", args=[membership.organisation.pk])}"' in html
    assert reverse("organisations:join") in html
    assert reverse("accounts:password_change") in html


def test_acting_for_another_membership_from_the_account_page(client, marie):
    reader = marie.memberships.get(role=Role.READER)
    response = client.post(reverse("accounts:switch"), {"membership": reader.pk, "next": ACCOUNT}, follow=True)
    assert response.redirect_chain == [(ACCOUNT, 302)]
    text = text_of(response)
    assert "Vous agissez désormais pour DSDEN — Val-de-Marne, lecture seule." in text
    assert "DSDEN — Val-de-Marne Rôle : Lecture seule — administrateur de l’organisation : non" in text
    assert text.index("Vous agissez pour elle") > text.index("DSDEN — Val-de-Marne Rôle")


def test_the_profile_is_edited(client, marie):
    response = client.post(ACCOUNT, {"first_name": "Marie", "last_name": "Skłodowska", "email": "m.s@creteil.fr"})
    assert response["Location"] == ACCOUNT
    assert "Votre profil est enregistré." in text_of(client.get(ACCOUNT))
    marie.refresh_from_db()
    assert (marie.username, marie.last_name, marie.email) == ("marie", "Skłodowska", "m.s@creteil.fr")


def test_profile_errors_say_what_to_fix(client, marie):
    UserFactory(username="autre", email="autre@creteil.fr")
    response = client.post(ACCOUNT, {"first_name": "", "last_name": "Curie", "email": "pas-une-adresse"})
    text = text_of(response)
    assert response.status_code == 200
    assert "Le profil n’est pas enregistré : corrigez les champs signalés ci-dessous." in text
    assert "Indiquez votre prénom." in text
    assert "Indiquez une adresse électronique valide, au format prenom.nom@domaine.fr." in text
    response = client.post(ACCOUNT, {"first_name": "Marie", "last_name": "Curie", "email": "AUTRE@creteil.fr"})
    assert "Cette adresse est déjà celle d'un autre compte" in text_of(response)
    marie.refresh_from_db()
    assert (marie.first_name, marie.email) == ("Marie", "marie@example.gouv.fr")


def test_an_account_without_membership_is_told_how_to_be_invited(client):
    client.force_login(UserFactory(username="seul", email="seul@example.fr"))
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    text = text_of(response)
    assert "Votre compte n’est membre d’aucune organisation" in text
    assert "demandez à un administrateur de votre organisation de vous inviter à l’adresse seul@example.fr" in text
    assert "Demander à rejoindre une organisation" in text


def test_the_password_is_changed(client, marie):
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "faux", "new_password1": "x", "new_password2": "y"})
    text = text_of(response)
    assert "Le mot de passe n’est pas changé : corrigez les champs signalés ci-dessous." in text
    assert "Votre ancien mot de passe est incorrect. Veuillez le rectifier." in text
    new = "un-nouveau-mot-de-passe-solide"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response["Location"] == ACCOUNT
    assert "Votre mot de passe est changé." in text_of(client.get(ACCOUNT))  # still logged in
    client.logout()
    assert client.login(username="marie", password=PASSWORD) is False
    assert client.login(username="marie", password=new) is True


def test_an_account_of_proconnect_has_no_password_here(client):
    user = get_user_model().objects.create_user("pro", email="pro@example.gouv.fr")  # no usable password
    client.force_login(user)
    assert "il n’a pas de mot de passe sur edhub" in text_of(client.get(ACCOUNT))
    response = client.get(reverse("accounts:password_change"))
    assert response["Location"] == ACCOUNT
