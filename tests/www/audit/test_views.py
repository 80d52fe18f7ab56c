"""The audit log's pages (/journal/): a change made through a page shows in it; who reads which entries; filters,
pagination and the CSV export."""

import datetime

import pytest
from auditlog.context import set_extra_data
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from edhub.accounts.audit import membership_data
from edhub.accounts.models import NATIONAL_NAME, Kind, Membership, Organisation, Role
from edhub.ami.models import Application, Campaign
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
JOURNAL = reverse("audit:journal")
EXPORT = reverse("audit:export")


def member(username, kind, code, role, is_admin=False, name=None):
    """A user and its membership of the organisation of kind `kind` on the territory `code` (France: national)."""
    level = {Kind.COMMUNE: Level.COMMUNE, Kind.NATIONAL: Level.FRANCE}[kind]
    territory = (
        Territory.objects.get(level=level) if kind == Kind.NATIONAL else Territory.objects.get(level=level, code=code)
    )
    organisation, _ = Organisation.objects.update_or_create(
        kind=kind, territory=territory, defaults={"name": name or f"Mairie de {territory.name}"}
    )
    user = get_user_model().objects.create_user(
        username,
        email=f"{username}@example.fr",
        first_name=username.split("-")[0].capitalize(),
        last_name="Martin",
        password="mot-de-passe-de-test-2026",
    )
    return Membership.objects.create(user=user, organisation=organisation, role=role, is_admin=is_admin)


def acting(membership):
    """Writes made by `membership`'s user acting in it, as AuditMiddleware records them in a request."""
    return set_extra_data(context_data={"actor": membership.user, "additional_data": membership_data(membership)})


def upload_in(membership, file_name="inventaire.csv", status=Upload.Status.VALIDATED):
    return Upload.objects.create(
        territory=membership.organisation.territory,
        author=membership.user,
        role=membership.role,
        file=f"inventaires/2026/12/{file_name}",
        file_name=file_name,
        checksum="0" * 64,
        status=status,
    )


def read(response):
    """The lines of the journal page: (action, kind, record)."""
    return [(line.action, line.kind, line.label) for line in response.context["lines"]]


@pytest.fixture
def people():
    LogEntry.objects.all().delete()  # each test reads only its own entries (browser tests commit theirs)
    people = {
        "national": member("admin-national", Kind.NATIONAL, None, Role.NATIONAL, is_admin=True, name=NATIONAL_NAME),
        "creteil_admin": member("admin-creteil", Kind.COMMUNE, "94028", Role.COMMUNE, is_admin=True),
        "creteil_member": member("agent-creteil", Kind.COMMUNE, "94028", Role.COMMUNE),
        "fresnes_admin": member("admin-fresnes", Kind.COMMUNE, "94034", Role.COMMUNE, is_admin=True),
    }
    return people


@pytest.fixture
def history(people):
    """After the set-up (cleared from the log): a Créteil agent and a Fresnes admin each create an upload, then the
    national admin renames Créteil's organisation and creates a call."""
    LogEntry.objects.all().delete()
    with acting(people["creteil_member"]):
        upload_in(people["creteil_member"], "creteil.csv")
    with acting(people["fresnes_admin"]):
        upload_in(people["fresnes_admin"], "fresnes.csv")
    with acting(people["national"]):
        organisation = Organisation.objects.get(pk=people["creteil_admin"].organisation_id)
        organisation.name = "Commune de Créteil"
        organisation.save()
        Campaign.objects.create(
            title="AMI connectivité 2027",
            territory=Territory.objects.get(level=Level.FRANCE),
            opens_on=datetime.date(2027, 1, 4),
            closes_on=datetime.date(2027, 3, 31),
            budget=1_000_000,
        )
    return people


CREATED_CRETEIL = ("création", "Dépôt d'inventaire", "creteil.csv (Analysé : à confirmer)")
CREATED_FRESNES = ("création", "Dépôt d'inventaire", "fresnes.csv (Analysé : à confirmer)")
RENAMED_CRETEIL = ("modification", "Organisation", "Commune de Créteil")
CREATED_CALL = ("création", "Appel à manifestation d'intérêt", "AMI connectivité 2027")


def test_a_change_made_through_a_page_is_logged_and_shown(client, people):
    admin = people["creteil_admin"]
    upload = upload_in(admin)
    client.force_login(admin.user)
    client.post(reverse("inventories:act", args=[upload.pk, "cancel"]))
    upload.refresh_from_db()
    assert upload.status == Upload.Status.CANCELLED

    entry = LogEntry.objects.get_for_object(upload).get(action=LogEntry.Action.UPDATE)
    assert (entry.actor, entry.actor_email) == (admin.user, "admin-creteil@example.fr")
    assert entry.additional_data == {
        "membership_id": admin.pk,
        "organisation_id": admin.organisation_id,
        "organisation_name": "Mairie de Créteil",
        "role": "commune",
    }
    assert entry.changes == {"status": ["validated", "cancelled"]}

    response = client.get(JOURNAL)
    line = response.context["lines"][0]
    assert (line.url, line.organisation, line.role) == (upload.get_absolute_url(), "Mairie de Créteil", "Commune")
    at = timezone.localtime(entry.timestamp)
    assert (
        f"{at:%d/%m/%Y %H:%M} Admin Martin admin-creteil@example.fr Mairie de Créteil Commune modification "
        "Dépôt d'inventaire : inventaire.csv (Abandonné) État : Analysé : à confirmer → Abandonné"
    ) in text_of(response)


def test_a_national_admin_reads_every_organisation_s_entries(client, history, django_assert_max_num_queries):
    client.force_login(history["national"].user)
    # Session, user, memberships; count and page of entries; the records they name and link to, a query per kind
    # (territories, users, calls, uploads); the organisations of the filter.
    with django_assert_max_num_queries(11):
        response = client.get(JOURNAL)
    assert read(response) == [CREATED_CALL, RENAMED_CRETEIL, CREATED_FRESNES, CREATED_CRETEIL]


def test_an_organisation_admin_reads_only_its_organisation_s_entries(client, history):
    client.force_login(history["creteil_admin"].user)
    response = client.get(JOURNAL)
    assert read(response) == [RENAMED_CRETEIL, CREATED_CRETEIL]
    # No organisation filter for them: asking for another organisation's changes nothing.
    fresnes = history["fresnes_admin"].organisation_id
    assert read(client.get(JOURNAL, {"organisation": fresnes})) == [RENAMED_CRETEIL, CREATED_CRETEIL]
    assert 'name="organisation"' not in response.content.decode()

    client.force_login(history["fresnes_admin"].user)
    assert read(client.get(JOURNAL)) == [CREATED_FRESNES]


def test_a_plain_member_and_an_account_without_membership_are_refused(client, history):
    client.force_login(history["creteil_member"].user)
    response = client.get(JOURNAL)
    assert response.status_code == 403
    assert "Le journal d'une organisation est consulté par ses administrateurs." in text_of(response)
    assert client.get(EXPORT).status_code == 403

    client.force_login(get_user_model().objects.create_user("sans-organisation", password="mot-de-passe-2026-x"))
    response = client.get(JOURNAL)
    assert response.status_code == 403
    assert "Votre compte n'est membre d'aucune organisation" in text_of(response)

    client.logout()
    response = client.get(JOURNAL)
    assert response["Location"] == f"{reverse('accounts:login')}?next={JOURNAL}"


def test_filters_by_organisation_kind_of_record_and_date(client, history):
    client.force_login(history["national"].user)
    creteil, fresnes = history["creteil_admin"].organisation_id, history["fresnes_admin"].organisation_id
    assert read(client.get(JOURNAL, {"organisation": creteil})) == [RENAMED_CRETEIL, CREATED_CRETEIL]
    assert read(client.get(JOURNAL, {"organisation": fresnes})) == [CREATED_FRESNES]
    assert read(client.get(JOURNAL, {"type": "ami.campaign"})) == [CREATED_CALL]
    assert read(client.get(JOURNAL, {"type": "inventories.upload", "organisation": fresnes})) == [CREATED_FRESNES]

    january = timezone.make_aware(datetime.datetime(2026, 1, 10, 0, 30))  # 10 January in Paris, 9 January in UTC
    LogEntry.objects.filter(object_repr__startswith="creteil.csv").update(timestamp=january)
    assert read(client.get(JOURNAL, {"du": "2026-01-10", "au": "2026-01-10"})) == [CREATED_CRETEIL]
    assert read(client.get(JOURNAL, {"au": "2026-01-09"})) == []
    assert read(client.get(JOURNAL, {"du": "2026-01-11"})) == [CREATED_CALL, RENAMED_CRETEIL, CREATED_FRESNES]

    response = client.get(JOURNAL, {"du": "2026-02-01", "au": "2026-01-01"})
    assert "La date de fin suit la date de début." in text_of(response)
    assert read(response) == [CREATED_CALL, RENAMED_CRETEIL, CREATED_FRESNES]  # « au » invalid, « du » applied


def test_fifty_entries_a_page_newest_first(client, people):
    national = people["national"]
    LogEntry.objects.all().delete()
    organisation = Organisation.objects.get(pk=people["fresnes_admin"].organisation_id)
    with acting(national):
        for number in range(1, 52):
            organisation.name = f"Mairie de Fresnes {number}"
            organisation.save()
    client.force_login(national.user)
    first = client.get(JOURNAL)
    assert [label for _, _, label in read(first)] == [f"Mairie de Fresnes {n}" for n in range(51, 1, -1)]
    assert read(client.get(JOURNAL, {"page": 2})) == [("modification", "Organisation", "Mairie de Fresnes 1")]
    assert "51 modifications, les plus récentes d’abord" in text_of(first)


def test_the_csv_export_has_the_filtered_entries_with_formulas_neutralised(client, people):
    national, admin = people["national"], people["creteil_admin"]
    upload = upload_in(admin)
    LogEntry.objects.all().delete()
    with acting(national):
        organisation = Organisation.objects.get(pk=admin.organisation_id)
        organisation.name = "=1+2"
        organisation.save()
    admin = Membership.objects.select_related("organisation").get(pk=admin.pk)
    with acting(admin):
        upload.status, upload.rollback_reason = Upload.Status.CANCELLED, "Doublon"
        upload.save()
    with acting(national):
        Campaign.objects.create(
            title="AMI connectivité 2027",
            territory=Territory.objects.get(level=Level.FRANCE),
            opens_on=datetime.date(2027, 1, 4),
            closes_on=datetime.date(2027, 3, 31),
            budget=1_000_000,
        )
    renamed, cancelled = LogEntry.objects.order_by("timestamp", "pk")[:2]

    client.force_login(admin.user)
    response = client.get(EXPORT, {"type": ""})
    assert response["Content-Disposition"] == 'attachment; filename="journal-des-modifications.csv"'
    assert response.content.decode("utf-8").split("\r\n") == [
        "\ufeffDate;Auteur;Courriel;Organisation;Rôle;Action;Type d'enregistrement;Enregistrement;Modifications",
        f"{timezone.localtime(cancelled.timestamp):%d/%m/%Y %H:%M:%S};Admin Martin;admin-creteil@example.fr;'=1+2;"
        "Commune;modification;Dépôt d'inventaire;inventaire.csv (Abandonné);"
        "État : Analysé : à confirmer → Abandonné | Motif de l'annulation : (vide) → Doublon",
        f"{timezone.localtime(renamed.timestamp):%d/%m/%Y %H:%M:%S};Admin Martin;admin-national@example.fr;"
        f"{NATIONAL_NAME};Administrateur national;modification;Organisation;'=1+2;Nom : Mairie de Créteil → =1+2",
        "",
    ]
    # The page's export link keeps its filters.
    page = client.get(JOURNAL, {"type": "inventories.upload", "page": "1"})
    assert page.context["export_url"] == f"{EXPORT}?type=inventories.upload"
    exported = client.get(page.context["export_url"]).content.decode("utf-8").split("\r\n")
    assert [row.split(";")[6] for row in exported[1:-1]] == ["Dépôt d'inventaire"]


def test_a_dossier_moved_by_its_instructor_is_logged_with_a_link_to_it(client, people):
    national = people["national"]
    campaign = Campaign.objects.create(
        title="AMI connectivité 2027",
        territory=Territory.objects.get(level=Level.FRANCE),
        status=Campaign.Status.OPEN,
        opens_on=datetime.date(2026, 1, 4),
        closes_on=datetime.date(2026, 3, 31),
        budget=1_000_000,
    )
    dossier = Application.objects.create(
        campaign=campaign,
        commune=Territory.objects.get(level=Level.COMMUNE, code="94028"),
        author=people["creteil_member"].user,
        state=Application.State.SUBMITTED,
        project="Raccordement des écoles",
    )
    client.force_login(national.user)
    client.post(reverse("ami:application-move", args=[dossier.pk]), {"to": "in_instruction", "reason": ""})

    entry = LogEntry.objects.get_for_object(dossier).get(action=LogEntry.Action.UPDATE)
    assert (entry.actor, entry.additional_data["membership_id"]) == (national.user, national.pk)
    assert entry.changes == {"state": ["submitted", "in_instruction"]}
    line = client.get(JOURNAL, {"type": "ami.application"}).context["lines"][0]
    assert (line.action, line.kind, line.label) == (
        "modification",
        "Candidature",
        "Créteil (94028) — AMI connectivité 2027",
    )
    assert (line.url, line.organisation, line.role) == (
        reverse("ami:application", args=[dossier.pk]),
        NATIONAL_NAME,
        "Administrateur national",
    )
    assert [(c.field, c.before, c.after) for c in line.changes] == [("État", "Déposé", "En instruction")]


def test_logging_in_and_changing_one_s_password_leave_no_entry_nor_hash(client, people):
    user = people["creteil_member"].user
    LogEntry.objects.all().delete()
    client.force_login(user)  # last login: not logged
    new = "Un-nouveau-mot-de-passe-2026"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "mot-de-passe-de-test-2026", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert list(LogEntry.objects.all()) == []
