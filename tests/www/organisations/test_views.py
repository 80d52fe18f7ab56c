"""Organisation pages: the sheet (members to its administrators only), inviting, accepting an invitation (with or
without an account), asking to join and answering, removing, the admin flag, leaving; refusals and IDOR attempts."""

import re

import pytest
from django.contrib import auth
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from edhub.accounts.middleware import SESSION_KEY
from edhub.accounts.models import Invitation, JoinRequest, Membership, Organisation, Role
from edhub.territories.models import Level, Territory
from tests.accounts.factories import PASSWORD, UserFactory, member
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
FORGED = (
    "Ce lien d’invitation n’est pas valide : vérifiez qu’il a été copié en entier, ou demandez une nouvelle "
    "invitation à un administrateur de l’organisation."
)


def text(response):
    """The visible text, apostrophes made typographic (templates use ’, messages ')."""
    return text_of(response).replace("'", "’")


@pytest.fixture
def creteil():
    return Territory.objects.get(level=Level.COMMUNE, code="94028")


@pytest.fixture
def admin(creteil):
    user = UserFactory(username="maire-creteil", first_name="Claire", last_name="Martin")
    member(user, Role.COMMUNE, creteil, admin=True)
    return user


@pytest.fixture
def organisation(admin):
    return admin.memberships.get().organisation


@pytest.fixture
def clerk(creteil, admin):
    user = UserFactory(username="agent-creteil", first_name="Paul", last_name="Durand")
    membership = member(user, Role.COMMUNE, creteil)
    membership.granted_by = admin
    membership.save()
    return user


@pytest.fixture
def fresnes_member():
    fresnes = Territory.objects.get(level=Level.COMMUNE, code="94034")
    return member(UserFactory(username="agent-fresnes"), Role.COMMUNE, fresnes)


def url(name, *args):
    return reverse(f"organisations:{name}", args=args)


def test_the_urls_other_pages_link_to():
    assert url("detail", 12) == "/organisations/12/"
    assert url("leave", 12) == "/organisations/12/quitter/"
    assert url("join") == "/organisations/rejoindre/"
    assert url("invitation", "abc_-1") == "/invitations/abc_-1/"


def test_anonymous_visitors_are_sent_to_the_login_page(client, organisation):
    response = client.get(url("detail", organisation.pk))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/organisations/{organisation.pk}/"


def test_an_admin_sees_the_members_and_the_invite_form(client, admin, organisation, clerk, creteil):
    client.force_login(admin)
    response = client.get(url("detail", organisation.pk))

    assert response.status_code == 200
    page = text(response)
    assert "Type Commune Territoire Créteil (Commune, 94028)" in page
    assert 'href="/territoires/commune/94028/"' in response.content.decode()
    assert "2 membres, dont 1 administrateur" in page
    assert "0 dépôt d’inventaire sur son territoire" in page
    members = re.search(r'<table id="members">.*?</table>', response.content.decode(), re.S).group(0)
    today = f"{timezone.localtime(clerk.memberships.get().since):%d/%m/%Y}"
    rows = text_of(members)
    assert f"Claire Martin maire-creteil@example.gouv.fr Commune oui {today} —" in rows
    assert f"Paul Durand agent-creteil@example.gouv.fr Commune non {today} Claire Martin" in rows
    assert f'href="/journal/?organisation={organisation.pk}"' in response.content.decode()
    roles = re.findall(
        r'<option value="(\w+)"', re.search(r'name="role".*?</select>', response.content.decode(), re.S).group(0)
    )
    assert roles == ["commune", "lecteur"]


def test_a_member_who_is_not_admin_sees_no_members(client, organisation, clerk):
    client.force_login(clerk)
    response = client.get(url("detail", organisation.pk))

    page = text(response)
    assert response.status_code == 200
    assert "2 membres, dont 1 administrateur" in page
    assert "Membres de Commune — Créteil" not in page
    assert "maire-creteil" not in page
    assert "Inviter un membre" not in page
    assert "Quitter cette organisation" in page


def test_an_admin_acting_for_another_organisation_does_not_manage_this_one(client, admin, organisation):
    elsewhere = member(admin, Role.READER, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    client.force_login(admin)
    session = client.session
    session[SESSION_KEY] = elsewhere.pk
    session.save()

    page = text(client.get(url("detail", organisation.pk)))

    assert "Membres de Commune — Créteil" not in page
    assert (
        "Vous l’administrez, mais agissez pour une autre organisation : agissez pour celle-ci pour gérer ses "
        "membres. Agir pour cette organisation" in page
    )
    own = admin.memberships.get(organisation=organisation)
    response = client.post(reverse("accounts:switch"), {"membership": own.pk, "next": url("detail", organisation.pk)})
    assert response["Location"] == url("detail", organisation.pk)
    page = text(client.get(url("detail", organisation.pk)))
    assert "Membres de Commune — Créteil" in page
    assert "Agir pour cette organisation" not in page


# -- Invitations ------------------------------------------------------------------------------------------------------


def invite(client, organisation, email="nadia.benali@creteil.fr", role=Role.COMMUNE, is_admin=False):
    data = {"email": email, "role": role}
    if is_admin:
        data["is_admin"] = "on"
    return client.post(url("invite", organisation.pk), data)


def link_of(message):
    return re.search(r"(http://testserver/invitations/[\w-]+/)\n", message.body).group(1)


def test_an_admin_invites_and_the_guest_creates_an_account(client, admin, organisation):
    client.force_login(admin)
    response = invite(client, organisation, "Nadia.Benali@creteil.fr")

    assert response.status_code == 302
    assert response["Location"] == url("detail", organisation.pk)
    invitation = Invitation.objects.get()
    assert [m.to for m in mail.outbox] == [["Nadia.Benali@creteil.fr"]]
    assert mail.outbox[0].subject == "Invitation à rejoindre Commune — Créteil sur edhub"
    link = link_of(mail.outbox[0])
    page = text(client.get(url("detail", organisation.pk)))
    assert (
        f"Invitation envoyée à Nadia.Benali@creteil.fr : le lien est valable jusqu’au "
        f"{timezone.localtime(invitation.expires_at):%d/%m/%Y}." in page
    )
    assert "Nadia.Benali@creteil.fr (Commune), valable jusqu’au" in page

    client.logout()
    path = link.removeprefix("http://testserver")
    page = text(client.get(path))
    assert (
        "Claire Martin invite Nadia.Benali@creteil.fr à rejoindre « Commune — Créteil » (Commune) avec le rôle "
        "« Commune »." in page
    )
    assert "Votre identifiant sera votre adresse e-mail, Nadia.Benali@creteil.fr." in page

    response = client.post(
        path, {"first_name": "Nadia", "last_name": "Benali", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert response.status_code == 400
    assert "Les deux mots de passe diffèrent : saisissez deux fois le même." in text(response)
    response = client.post(
        path, {"first_name": "Nadia", "last_name": "Benali", "password1": "azerty", "password2": "azerty"}
    )
    assert response.status_code == 400
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in text(response)
    assert not Membership.objects.filter(user__username="nadia.benali@creteil.fr").exists()

    response = client.post(
        path, {"first_name": "Nadia", "last_name": "Benali", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == url("detail", organisation.pk)
    membership = Membership.objects.get(user__username="nadia.benali@creteil.fr")
    assert (membership.organisation, membership.role, membership.is_admin) == (organisation, Role.COMMUNE, False)
    assert membership.granted_by == admin
    assert membership.user.email == "Nadia.Benali@creteil.fr"
    assert membership.user.check_password(PASSWORD)
    assert auth.get_user(client).pk == membership.user_id
    assert client.session[SESSION_KEY] == membership.pk
    assert "Bienvenue dans « Commune — Créteil » : vous agissez désormais pour cette organisation." in text(
        client.get(url("detail", organisation.pk))
    )
    # The link served once.
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert "Cette invitation a déjà été acceptée le " in text(response)


def test_an_invited_person_with_an_account_logs_in_first_then_accepts(client, admin, organisation):
    nadia = UserFactory(username="nadia", email="nadia.benali@creteil.fr")
    client.force_login(admin)
    invite(client, organisation, "nadia.benali@creteil.fr", Role.READER, is_admin=True)
    path = link_of(mail.outbox[0]).removeprefix("http://testserver")
    client.logout()

    response = client.get(path)
    assert "Un compte existe déjà pour nadia.benali@creteil.fr : connectez-vous pour accepter l’invitation." in text(
        response
    )
    assert f'href="{reverse("accounts:login")}?next={path}"' in response.content.decode()
    assert client.post(path).status_code == 200  # no account creation for an address that has one
    assert not nadia.memberships.exists()

    client.force_login(nadia)
    assert "c’est ce compte qui rejoindra" not in text(client.get(path))
    response = client.post(path)

    assert response.status_code == 302
    membership = nadia.memberships.get()
    assert (membership.organisation, membership.role, membership.is_admin) == (organisation, Role.READER, True)
    assert membership.granted_by == admin


def test_another_account_accepting_is_warned_and_recorded(client, admin, organisation):
    client.force_login(admin)
    invite(client, organisation)
    path = link_of(mail.outbox[0]).removeprefix("http://testserver")
    other = UserFactory(username="autre")
    client.force_login(other)

    assert (
        "Vous êtes connecté avec le compte autre, et non nadia.benali@creteil.fr : c’est ce compte qui rejoindra "
        "l’organisation, et l’administrateur le verra." in text(client.get(path))
    )
    client.post(path)
    assert Invitation.objects.get().accepted_by == other


def test_a_forged_link_is_refused(client, admin, organisation):
    client.force_login(admin)
    invite(client, organisation)
    path = link_of(mail.outbox[0]).removeprefix("http://testserver")
    forged = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    nadia = UserFactory(username="nadia")
    client.force_login(nadia)

    for response in (client.get(forged), client.post(forged)):
        assert response.status_code == 404
        assert FORGED in text(response)
    assert not nadia.memberships.exists()


def test_an_expired_link_is_refused(client, admin, organisation):
    client.force_login(admin)
    invite(client, organisation)
    path = link_of(mail.outbox[0]).removeprefix("http://testserver")
    Invitation.objects.update(expires_at="2026-01-05T08:30:00Z")
    client.logout()

    response = client.post(path, {"first_name": "N", "last_name": "B", "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 410
    assert (
        "Cette invitation a expiré le 05/01/2026 à 09:30 : demandez-en une nouvelle à un administrateur de "
        "« Commune — Créteil »." in text(response)
    )
    assert not Membership.objects.filter(user__username="nadia.benali@creteil.fr").exists()
    assert not auth.get_user_model().objects.filter(username="nadia.benali@creteil.fr").exists()


def test_a_member_who_is_not_admin_cannot_invite(client, organisation, clerk):
    client.force_login(clerk)
    response = invite(client, organisation)

    assert response.status_code == 403
    assert "Seul un administrateur de l’organisation invite de nouveaux membres." in text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_request_for_a_made_up_organisation_is_a_404(client):
    client.force_login(UserFactory(username="nadia"))
    assert client.post(url("join"), {"organisation": "abc"}).status_code == 404
    assert client.post(url("join"), {"organisation": "999999"}).status_code == 404
    assert not JoinRequest.objects.exists()


def test_the_invite_form_says_what_to_fix(client, admin, organisation):
    client.force_login(admin)

    response = invite(client, organisation, "nadia.benali@", Role.ACADEMIE)

    assert response.status_code == 400
    page = text(response)
    assert "L’invitation n’est pas partie : corrigez le formulaire ci-dessous." in page
    assert "Cette adresse e-mail n’est pas valide : vérifiez-la (exemple : prenom.nom@ville.fr)." in page
    assert "Choisissez l’un des rôles proposés." in page
    assert not Invitation.objects.exists()

    response = invite(client, organisation, "maire-creteil@example.gouv.fr")
    assert response.status_code == 400
    assert "maire-creteil@example.gouv.fr est déjà membre de « Commune — Créteil »." in text(response)


def test_an_admin_cancels_an_invitation(client, admin, organisation, fresnes_member):
    client.force_login(admin)
    invite(client, organisation)
    path = link_of(mail.outbox[0]).removeprefix("http://testserver")
    invitation = Invitation.objects.get()
    # Another organisation's admin reaches it neither through its own organisation nor through this one.
    fresnes_admin = UserFactory(username="maire-fresnes")
    Membership.objects.create(
        user=fresnes_admin, organisation=fresnes_member.organisation, role=Role.COMMUNE, is_admin=True
    )
    client.force_login(fresnes_admin)
    assert client.post(url("cancel_invitation", fresnes_member.organisation_id, invitation.pk)).status_code == 404
    response = client.post(url("cancel_invitation", organisation.pk, invitation.pk))
    assert response.status_code == 403
    assert "Seul un administrateur de l’organisation invite de nouveaux membres." in text(response)
    assert Invitation.objects.get().is_pending

    client.force_login(admin)
    response = client.post(url("cancel_invitation", organisation.pk, invitation.pk))

    assert response["Location"] == url("detail", organisation.pk)
    page = text(client.get(url("detail", organisation.pk)))
    assert "L’invitation de nadia.benali@creteil.fr est annulée : son lien ne fonctionne plus." in page
    assert "nadia.benali@creteil.fr (Commune), expirée le " in page
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert "Cette invitation a expiré le " in text(response)


# -- Members ----------------------------------------------------------------------------------------------------------


def test_an_admin_removes_a_member_and_grants_admin(client, admin, organisation, clerk):
    membership = clerk.memberships.get()
    client.force_login(admin)

    response = client.post(url("admin", organisation.pk, membership.pk, "accorder"))
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).is_admin is True
    client.post(url("admin", organisation.pk, membership.pk, "retirer"))
    assert Membership.objects.get(pk=membership.pk).is_admin is False

    response = client.post(url("remove", organisation.pk, membership.pk))
    assert response["Location"] == url("detail", organisation.pk)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert "agent-creteil n’est plus membre de « Commune — Créteil »." in text(
        client.get(url("detail", organisation.pk))
    )


def test_the_last_admin_is_neither_removed_nor_demoted_nor_leaves(client, admin, organisation):
    own = admin.memberships.get()
    client.force_login(admin)

    for path, message in (
        (
            url("remove", organisation.pk, own.pk),
            "Claire Martin (maire-creteil) est le seul administrateur de « Commune — Créteil » : nommez d’abord un "
            "autre administrateur, puis retirez-le.",
        ),
        (
            url("admin", organisation.pk, own.pk, "retirer"),
            "Claire Martin (maire-creteil) est le seul administrateur de « Commune — Créteil » : nommez d’abord un "
            "autre administrateur, puis retirez-lui ce droit.",
        ),
        (
            url("leave", organisation.pk),
            "Vous êtes le seul administrateur de « Commune — Créteil » : nommez d’abord un autre administrateur "
            "parmi ses membres, puis quittez l’organisation.",
        ),
    ):
        response = client.post(path)
        assert response["Location"] == url("detail", organisation.pk)
        assert message in text(client.get(url("detail", organisation.pk)))
        assert Membership.objects.filter(pk=own.pk, is_admin=True).exists()


def test_a_member_leaves_for_the_account_page(client, organisation, clerk, creteil):
    reader = member(clerk, Role.READER, Territory.objects.get(level=Level.DEPARTEMENT, code="94"))
    client.force_login(clerk)
    session = client.session
    session[SESSION_KEY] = clerk.memberships.get(organisation=organisation).pk
    session.save()

    response = client.post(url("leave", organisation.pk))

    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    assert list(clerk.memberships.all()) == [reader]
    # Told once that it left, not warned as if it had been removed; it now acts for its other membership.
    page = text(client.get(url("join")))
    assert "Vous avez quitté « Commune — Créteil »." in page
    assert "Vous n’êtes plus membre" not in page
    assert SESSION_KEY not in client.session
    assert client.get(url("leave", organisation.pk)).status_code == 405


def test_an_admin_cannot_reach_another_organisation_s_member_by_id(client, admin, organisation, fresnes_member):
    client.force_login(admin)
    other = fresnes_member.organisation

    # Through the other organisation's address: the policy refuses.
    for path in (url("remove", other.pk, fresnes_member.pk), url("admin", other.pk, fresnes_member.pk, "accorder")):
        response = client.post(path)
        assert response.status_code == 403
        assert "Seul un administrateur de l’organisation retire un membre ou change ses droits." in text(response)
    # Through its own organisation's address: no such member there.
    assert client.post(url("remove", organisation.pk, fresnes_member.pk)).status_code == 404
    assert client.post(url("admin", organisation.pk, fresnes_member.pk, "accorder")).status_code == 404

    assert Membership.objects.filter(pk=fresnes_member.pk, is_admin=False).exists()
    # Its members stay hidden, and it cannot invite into it.
    assert "agent-fresnes" not in text(client.get(url("detail", other.pk)))
    assert invite(client, other).status_code == 403
    assert not Invitation.objects.exists()


# -- Requests to join -------------------------------------------------------------------------------------------------


def test_a_request_to_join_is_accepted_by_an_admin(client, admin, organisation):
    nadia = UserFactory(username="nadia", first_name="Nadia", last_name="Benali")
    client.force_login(nadia)

    page = text(client.get(url("join"), {"q": "creteil"}))
    assert "Commune — Créteil (Commune)" in page
    page = text(client.get(url("join"), {"q": "zzzz introuvable"}))
    assert "Aucune organisation ne correspond à « zzzz introuvable »." in page

    response = client.post(url("join"), {"organisation": organisation.pk, "message": "Chargée du numérique"})
    assert response["Location"] == url("detail", organisation.pk)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["maire-creteil@example.gouv.fr"], "Demande pour rejoindre Commune — Créteil")
    ]
    assert f"http://testserver/organisations/{organisation.pk}/#demandes" in mail.outbox[0].body
    join_request = JoinRequest.objects.get()
    assert (join_request.user, join_request.organisation, join_request.message) == (
        nadia,
        organisation,
        "Chargée du numérique",
    )
    assert "Vous avez demandé à rejoindre cette organisation le " in text(client.get(url("detail", organisation.pk)))

    # A second request while the first waits.
    response = client.post(url("join") + "?q=creteil", {"organisation": organisation.pk})
    assert response.status_code == 200
    assert "Vous avez déjà demandé à rejoindre « Commune — Créteil » le " in text(response)
    assert JoinRequest.objects.count() == 1

    client.force_login(admin)
    page = text(client.get(url("detail", organisation.pk)))
    assert "Nadia Benali (nadia@example.gouv.fr), le " in page
    response = client.post(url("answer", organisation.pk, join_request.pk, "accepter"), {"role": Role.READER})

    assert response["Location"] == url("detail", organisation.pk)
    membership = nadia.memberships.get()
    assert (membership.organisation, membership.role, membership.granted_by) == (organisation, Role.READER, admin)
    assert JoinRequest.objects.get().accepted is True
    assert [(m.to, m.subject) for m in mail.outbox[1:]] == [
        (["nadia@example.gouv.fr"], "Votre demande pour rejoindre Commune — Créteil : acceptée")
    ]


def test_a_request_is_answered_by_an_admin_of_its_organisation_only(client, organisation, fresnes_member):
    join_request = JoinRequest.objects.create(user=UserFactory(username="nadia"), organisation=organisation)
    fresnes_admin = UserFactory(username="maire-fresnes")
    Membership.objects.create(
        user=fresnes_admin, organisation=fresnes_member.organisation, role=Role.COMMUNE, is_admin=True
    )
    client.force_login(fresnes_admin)

    response = client.post(url("answer", organisation.pk, join_request.pk, "accepter"), {"role": Role.COMMUNE})
    assert response.status_code == 403
    assert "Seul un administrateur de l’organisation répond aux demandes pour la rejoindre." in text(response)
    other = fresnes_member.organisation.pk
    assert client.post(url("answer", other, join_request.pk, "accepter"), {"role": Role.COMMUNE}).status_code == 404
    assert JoinRequest.objects.get().answered_at is None
    assert not organisation.memberships.filter(user__username="nadia").exists()


def test_join_searches_by_siret(client):
    Organisation.objects.create(kind="association", name="Les Petits Débrouillards", siret="21940028000018")
    client.force_login(UserFactory(username="nadia"))

    page = text(client.get(url("join"), {"q": "219 400 280 00018"}))

    assert "Les Petits Débrouillards (Association, SIRET 21940028000018)" in page
    assert text(client.get(url("join"), {"q": "petits debrouillards"})).count("Les Petits Débrouillards") == 1


def test_the_admins_decide_whether_proconnect_newcomers_wait_for_them(client, organisation, admin, clerk):
    organisation.siret = "21940028000018"  # Créteil's town hall
    organisation.save()
    url = reverse("organisations:newcomers", args=[organisation.pk])
    client.force_login(admin)
    assert 'name="approves_newcomers"' in client.get(reverse("organisations:detail", args=[organisation.pk])).text
    response = client.post(url, {"approves_newcomers": "1"}, follow=True)
    organisation.refresh_from_db()
    assert organisation.approves_newcomers is True
    assert (
        "Les agents arrivant par ProConnect avec le SIRET de l’organisation attendront désormais l’accord d’un "
        "administrateur." in text(response)
    )
    client.post(url, {})
    organisation.refresh_from_db()
    assert organisation.approves_newcomers is False

    client.force_login(clerk)  # a member who is not an administrator: refused, nothing changed
    response = client.post(url, {"approves_newcomers": "1"})
    assert response.status_code == 403
    assert "Seul un administrateur de l’organisation invite de nouveaux membres." in text(response)
    organisation.refresh_from_db()
    assert organisation.approves_newcomers is False
