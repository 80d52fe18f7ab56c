from django.contrib import admin

from edhub.accounts.models import Invitation, JoinRequest, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user", "granted_by")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "territory", "school", "siret", "rna", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "siret", "siren", "rna", "territory__name", "territory__code", "school__uai")
    raw_id_fields = ("territory", "school")
    inlines = (MembershipInline,)

    def save_formset(self, request, form, formset, change):
        """Memberships added here are granted by the administrator who adds them."""
        for membership in formset.save(commit=False):
            if membership.pk is None and membership.granted_by_id is None:
                membership.granted_by = request.user
            membership.save()
        for membership in formset.deleted_objects:
            membership.delete()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "is_admin", "since", "granted_by")
    list_filter = ("role", "is_admin", "organisation__kind")
    search_fields = ("user__username", "user__email", "organisation__name")
    raw_id_fields = ("user", "organisation", "granted_by")

    def save_model(self, request, obj, form, change):
        if not change and obj.granted_by_id is None:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the organisation's page (their token is never shown): read-only here."""

    list_display = (
        "email",
        "organisation",
        "role",
        "is_admin",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    )
    list_filter = ("role", "is_admin")
    search_fields = ("email", "organisation__name")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Requests to join are answered on the organisation's page: read-only here."""

    list_display = ("user", "organisation", "created_at", "answered_at", "answered_by", "accepted")
    list_filter = ("accepted",)
    search_fields = ("user__username", "user__email", "organisation__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
