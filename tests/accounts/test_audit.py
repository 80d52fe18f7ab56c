"""The audit log's records: what each model keeps, the actor and the membership of a request's writes, the entries an
organisation's administrators read, and no password hash ever."""

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from edhub.accounts.audit import AuditMiddleware, about_organisation, membership_data
from edhub.accounts.models import Invitation, Kind, Membership, Organisation, Role
from edhub.inventories.models import Upload
from edhub.territories.models import Level, Territory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_log():
    """Each test reads only its own entries (browser tests commit theirs to the session's database)."""
    LogEntry.objects.all().delete()


# What each model keeps out of the log, on purpose (every other field is tracked).
UNTRACKED = {
    "auth.user": {"id", "password", "last_login", "date_joined"},
    "accounts.organisation": {"id", "created_at"},
    "accounts.membership": {"id"},
    "accounts.invitation": {"id", "token_hash", "created_at"},
    "accounts.joinrequest": {"id", "message", "created_at"},
    "inventories.upload": {
        "id",
        "file",
        "progress",
        "problems",
        "problem_counts",
        "heartbeat_at",
        "attempts",
        "created_at",
        "run",
    },
    "ami.campaign": {"id", "published_results", "version", "created_at"},
    "ami.criterion": {"id"},
    "ami.application": {"id", "created_at"},
    "ami.applicationschool": {"id"},
    "ami.applicationnote": {"id", "at"},
    "ami.score": {"id", "at"},
}


def commune_member(username, code="94028", is_admin=False):
    commune = Territory.objects.get(level=Level.COMMUNE, code=code)
    organisation, _ = Organisation.objects.update_or_create(
        kind=Kind.COMMUNE, territory=commune, defaults={"name": f"Mairie de {commune.name}"}
    )
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.fr", first_name="Camille", last_name="Martin", password="x" * 16
    )
    return Membership.objects.create(user=user, organisation=organisation, role=Role.COMMUNE, is_admin=is_admin)


def upload_of(membership, status=Upload.Status.VALIDATED):
    return Upload.objects.create(
        territory=membership.organisation.territory,
        author=membership.user,
        role=membership.role,
        file="inventaires/2026/12/inventaire.csv",
        file_name="inventaire.csv",
        checksum="0" * 64,
        status=status,
    )


def test_every_field_of_a_logged_model_is_tracked_or_deliberately_left_out():
    registered = {model._meta.label_lower: model for model in auditlog.get_models()}
    assert set(registered) == set(UNTRACKED)
    for label, model in registered.items():
        tracked = set(auditlog.get_model_fields(model)["include_fields"])
        fields = {f.name for f in model._meta.concrete_fields}
        assert tracked | UNTRACKED[label] == fields, label
        assert not tracked & UNTRACKED[label], label


def test_a_request_write_keeps_its_actor_membership_and_exact_changes():
    membership = commune_member("agent-creteil")
    upload = upload_of(membership)
    request = RequestFactory().post("/inventaires/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user, request.membership = membership.user, membership

    def view(request):
        upload.status, upload.progress = Upload.Status.CANCELLED, 100
        upload.save()

    AuditMiddleware(view)(request)

    entry = LogEntry.objects.get(action=LogEntry.Action.UPDATE)
    assert (entry.actor, entry.actor_email, entry.remote_addr) == (
        membership.user,
        "agent-creteil@example.fr",
        "192.0.2.7",
    )
    assert entry.additional_data == {
        "membership_id": membership.pk,
        "organisation_id": membership.organisation_id,
        "organisation_name": "Mairie de Créteil",
        "role": "commune",
    }
    # The analysis' progress is not logged: only the status changed for the log.
    assert entry.changes == {"status": ["validated", "cancelled"]}
    assert (entry.object_id, entry.object_repr) == (upload.pk, "inventaire.csv (Abandonné)")


def test_a_write_outside_a_request_has_no_actor_nor_membership():
    membership = commune_member("agent-creteil")
    upload = upload_of(membership)
    entry = LogEntry.objects.get_for_object(upload).get()
    assert (entry.action, entry.actor, entry.additional_data) == (LogEntry.Action.CREATE, None, None)
    assert entry.changes["file_name"] == [None, "inventaire.csv"]
    assert not entry.changes.keys() & {"file", "problems", "problem_counts", "progress"}


def test_an_invitation_s_token_is_not_logged():
    membership = commune_member("admin-creteil", is_admin=True)
    invitation = Invitation.objects.create(
        organisation=membership.organisation,
        email="nouveau@example.fr",
        role=Role.COMMUNE,
        invited_by=membership.user,
        token_hash="f" * 64,
    )
    entry = LogEntry.objects.get_for_object(invitation).get()
    assert set(entry.changes) == {"organisation", "email", "role", "is_admin", "invited_by", "expires_at"}
    assert entry.serialized_data["fields"] == {"organisation": membership.organisation_id}


def test_a_password_change_does_not_log_the_hash():
    membership = commune_member("agent-creteil")
    user = get_user_model().objects.get(pk=membership.user_id)
    before = LogEntry.objects.count()
    user.set_password("un-nouveau-mot-de-passe-2026")
    user.save()
    assert LogEntry.objects.count() == before  # nothing tracked changed

    user.set_password("encore-un-autre-mot-de-passe")
    user.email = "camille.martin@example.fr"
    user.save()
    entry = LogEntry.objects.get_for_object(user).latest()
    assert entry.changes == {"email": ["agent-creteil@example.fr", "camille.martin@example.fr"]}
    hashes = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True)
    assert not any(h in str(e.changes) for e in LogEntry.objects.all() for h in hashes)


def test_an_organisation_reads_the_entries_about_it_and_its_memberships_even_once_they_are_gone():
    admin = commune_member("admin-creteil", is_admin=True)
    elsewhere = commune_member("agent-fresnes", code="94034")
    LogEntry.objects.all().delete()
    colleague = commune_member("collegue-creteil")
    organisation = admin.organisation
    organisation.name = "Commune de Créteil"
    organisation.save()
    colleague_pk = colleague.pk
    colleague.delete()
    elsewhere.is_admin = True
    elsewhere.save()
    invitation = Invitation.objects.create(  # sent by a Fresnes member: still Créteil's business
        organisation=organisation,
        email="nouveau@example.fr",
        role=Role.COMMUNE,
        invited_by=elsewhere.user,
        token_hash="f" * 64,
    )

    create, update, delete = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE
    creteil = LogEntry.objects.filter(about_organisation(admin.organisation_id))
    assert sorted((entry.action, entry.content_type.model, entry.object_id) for entry in creteil) == [
        (create, "invitation", invitation.pk),
        (create, "membership", colleague_pk),
        (update, "organisation", admin.organisation_id),
        (delete, "membership", colleague_pk),
    ]
    fresnes = LogEntry.objects.filter(about_organisation(elsewhere.organisation_id))
    assert [(entry.action, entry.content_type.model, entry.object_id) for entry in fresnes] == [
        (update, "membership", elsewhere.pk)
    ]


def test_membership_data_names_the_organisation_and_the_role():
    membership = commune_member("agent-creteil")
    assert membership_data(membership) == {
        "membership_id": membership.pk,
        "organisation_id": membership.organisation_id,
        "organisation_name": "Mairie de Créteil",
        "role": "commune",
    }
    assert membership_data(None) is None
    assert "edhub.accounts.audit.AuditMiddleware" in settings.MIDDLEWARE
    assert settings.MIDDLEWARE.index("edhub.accounts.audit.AuditMiddleware") > settings.MIDDLEWARE.index(
        "edhub.accounts.middleware.MembershipMiddleware"
    )
