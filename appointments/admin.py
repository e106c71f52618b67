from django.contrib import admin, messages

from appointments import services
from appointments.models import Appointment, AppointmentEvent
from scheduler.admin_site import HistoryInline
from scheduler.exceptions import ApplicationError


class AppointmentEventInline(HistoryInline):
    model = AppointmentEvent
    fields = ["at", "action", "actor", "detail"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-mostly: every state change goes through the same services as the API."""

    list_display = ["id", "start", "patient_name", "doctor", "status"]  # no reason: health data stays off lists
    list_select_related = ["patient__user", "doctor__user"]
    list_filter = ["status", "doctor__department", "doctor__specialization", "doctor"]
    date_hierarchy = "start"
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
        "patient__phone",
        "doctor__user__last_name",
    ]
    ordering = ["-start"]
    actions = ["cancel_selected", "complete_selected"]
    inlines = [AppointmentEventInline]
    readonly_fields = [f.name for f in Appointment._meta.fields]

    @admin.display(ordering="patient__user__last_name", description="patient")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.user.full_name or obj.patient.user.email

    def has_add_permission(self, request) -> bool:
        return False  # booking goes through the API (book_appointment), never a raw row

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical history is never deleted

    def _apply(self, request, queryset, service, verb: str) -> None:
        done, refused = 0, []
        for appointment in queryset.select_related("patient", "doctor"):
            try:
                service(appointment=appointment, by=request.user)
                done += 1
            except ApplicationError as exc:
                refused.append(f"#{appointment.pk}: {exc.detail}")
        if done:
            messages.success(request, f"{done} appointment(s) {verb}.")
        for line in refused:
            messages.warning(request, line)

    @admin.action(description="Cancel selected appointments (frees their slots)")
    def cancel_selected(self, request, queryset):
        self._apply(request, queryset, services.cancel_appointment, "cancelled")

    @admin.action(description="Mark selected appointments completed")
    def complete_selected(self, request, queryset):
        self._apply(request, queryset, services.complete_appointment, "completed")
