"""The audit log: who wrote what, when, and in which membership.

django-auditlog records every write to the models listed in the settings (AUDITLOG_INCLUDE_TRACKING_MODELS): a
LogEntry with its actor, its time and the changed fields. AuditMiddleware adds the membership the actor acts in
(its id, its organisation's id and name, its role) to each entry of the request, read when the entry is written, so
that a switch of membership within the request is followed. Writes outside a request (commands, background
analyses) have neither actor nor membership.

Who reads the log is the permission policy's (« accounts.see_log »): a national administrator reads it all, an
organisation's administrator the entries written in its memberships and those about the organisation, its
memberships, invitations and requests to join (`about_organisation`).
"""

from auditlog.middleware import AuditlogMiddleware
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from edhub.accounts.models import Organisation


def membership_data(membership):
    """What an entry keeps of the membership in use (None without one)."""
    if membership is None:
        return None
    return {
        "membership_id": membership.pk,
        "organisation_id": membership.organisation_id,
        "organisation_name": membership.organisation.name,
        "role": membership.role,
    }


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (the actor, the correlation id), with the membership in use (MembershipMiddleware's
    `request.membership`, so after it) and the client address as the rest of edhub reads it (REMOTE_ADDR, never a
    header a client may forge)."""

    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR") or None

    @staticmethod
    def _get_remote_port(request):
        return None

    def get_extra_data(self, request):
        data = super().get_extra_data(request)
        # A callable: auditlog calls it as each entry is saved.
        data["additional_data"] = lambda: membership_data(getattr(request, "membership", None))
        return data


def about_organisation(organisation_id):
    """The entries an organisation's administrators read: written in one of its memberships, or about the
    organisation itself or one of its memberships, invitations and requests to join (past ones included: their
    entries keep the organisation, see AUDITLOG_INCLUDE_TRACKING_MODELS)."""
    return (
        Q(additional_data__organisation_id=organisation_id)
        | Q(content_type=ContentType.objects.get_for_model(Organisation), object_id=organisation_id)
        | Q(serialized_data__fields__organisation=organisation_id)
    )
