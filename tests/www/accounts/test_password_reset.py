"""Password reset by e-mail for local accounts: the link from the login page, the e-mail, the link that serves once,
and never a word on whether an address has an account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from edhub.accounts.models import Role
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password_reset")
DONE = reverse("accounts:password_reset_done")
NEW = "un-nouveau-mot-de-passe-solide"


def test_the_login_page_links_to_the_reset(client):
    page = client.get(reverse("accounts:login"))
    assert "Mot de passe oublié ?" in text_of(page)
    assert f'href="{RESET}"' in page.content.decode()


def test_a_reset_by_email(client):
    agent(Role.COMMUNE, Level.COMMUNE, "94028", username="creteil")
    response = client.post(RESET, {"email": "CRETEIL@example.gouv.fr"})
    assert response["Location"] == DONE
    assert "Si l’adresse indiquée correspond à un compte local, un courriel vient d’y être envoyé" in text_of(
        client.get(DONE)
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["creteil@example.gouv.fr"], "Votre mot de passe edhub")
    assert "pour le compte edhub « creteil »" in message.body
    link = re.search(r"http://testserver(/compte/mot-de-passe-oublie/[^/\s]+/[^/\s]+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert "Choisir un nouveau mot de passe" in text_of(form)
    set_password_url = form.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "court", "new_password2": "court"})
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in text_of(response)
    response = client.post(set_password_url, {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert "Votre nouveau mot de passe est enregistré : l’ancien ne sert plus." in text_of(
        client.get(response["Location"])
    )

    assert client.login(username="creteil", password=PASSWORD) is False
    assert client.login(username="creteil", password=NEW) is True
    client.logout()
    assert "Ce lien n’est plus valable" in text_of(client.get(link, follow=True))  # it served once


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    agent(Role.COMMUNE, Level.COMMUNE, "94028", username="creteil")
    known = client.post(RESET, {"email": "creteil@example.gouv.fr"})
    unknown = client.post(RESET, {"email": "personne@example.gouv.fr"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"]) == (302, DONE)
    assert [message.to for message in mail.outbox] == [["creteil@example.gouv.fr"]]


def test_no_email_for_an_account_without_local_password(client):
    get_user_model().objects.create_user("pro", email="pro@example.gouv.fr")  # signs in with ProConnect
    response = client.post(RESET, {"email": "pro@example.gouv.fr"})
    assert response["Location"] == DONE
    assert mail.outbox == []


def test_an_invalid_address_says_what_to_fix(client):
    response = client.post(RESET, {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Courriel Saisissez une adresse de courriel valide." in text_of(response)
    assert mail.outbox == []
