from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from edhub.ami.models import Application, ApplicationEvent, Campaign, CampaignVersion, Criterion


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("position", "code", "label", "weight", "automatic", "published")


class CampaignVersionInline(admin.TabularInline):
    model = CampaignVersion
    extra = 0
    fields = ("number", "created_at", "created_by", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """National administrators create calls here; the default grid is added to a call saved without criteria,
    and every change of the rules of an open call records a new version."""

    list_display = ("title", "territory", "status", "opens_on", "closes_on", "budget", "version")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("territory",)
    readonly_fields = ("version",)
    inlines = (CriterionInline, CampaignVersionInline)
    actions = ("open_campaigns",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        campaign = form.instance
        campaign.add_default_grid()
        version = campaign.record_version(request.user)
        if version is not None:
            self.message_user(request, f"Règles figées en version {version.number}.", messages.INFO)

    @admin.action(description="Ouvrir les appels sélectionnés (fige les règles en version 1)")
    def open_campaigns(self, request, queryset):
        for campaign in queryset:
            try:
                campaign.open(request.user)
            except ValidationError as error:
                self.message_user(request, f"{campaign} : {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{campaign} : ouvert, règles en version 1.", messages.SUCCESS)


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ("at", "from_state", "to_state", "user", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Dossiers are read here; their state changes only through Application.move (logged)."""

    list_display = ("commune", "campaign", "state", "submitted_at")
    list_filter = ("state", "campaign")
    search_fields = ("commune__name", "commune__code")
    raw_id_fields = ("commune", "author", "schools")
    readonly_fields = ("state", "submitted_at", "rules_version")
    inlines = (ApplicationEventInline,)
