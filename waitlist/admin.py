from django.contrib import admin

from waitlist.models import WaitlistEntry


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    """Read-only: entries change through the API and the worker (the same services)."""

    list_display = ["id", "patient", "doctor", "specialization", "start_after", "start_before", "status", "created_at"]
    list_select_related = ["patient__user", "doctor__user", "specialization"]
    list_filter = ["status"]
    ordering = ["created_at", "id"]
    readonly_fields = [f.name for f in WaitlistEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
