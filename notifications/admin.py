from django.contrib import admin, messages

from notifications import services
from notifications.models import Notification
from scheduler.exceptions import ApplicationError


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only, with a retry of failed ones (through ``services.retry_notification``)."""

    list_display = [
        "id",
        "kind",
        "appointment_id",
        "recipient_id",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["retry_selected"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record that an email went out (or did not)

    @admin.action(description="Retry selected failed notifications")
    def retry_selected(self, request, queryset):
        done, refused = 0, []
        for notification in queryset:
            try:
                services.retry_notification(notification=notification, by=request.user)
                done += 1
            except ApplicationError as exc:
                refused.append(f"#{notification.pk}: {exc.detail}")
        if done:
            messages.success(request, f"{done} notification(s) queued again.")
        for line in refused:
            messages.warning(request, line)
