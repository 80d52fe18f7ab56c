from django.contrib import admin

from edhub.accounts.models import Habilitation


@admin.register(Habilitation)
class HabilitationAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "territory", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "territory__name", "territory__code")
    raw_id_fields = ("territory",)
