from django.contrib import admin

from records import services
from records.models import MedicalRecord, MedicalRecordVersion, RecordAccessLog
from scheduler.admin_forms import AccessLogAdmin
from scheduler.admin_site import HistoryInline
from scheduler.net import client_ip


class VersionInline(HistoryInline):
    model = MedicalRecordVersion
    fields = ["version", "author", "created_at", "diagnosis", "prescription", "notes"]


@admin.register(MedicalRecord)
class MedicalRecordAdmin(admin.ModelAdmin):
    """Clinical text is shown on the record page only (and that view is audited), never in the list.

    Only the record's author may edit it here, through the same service as the API, so a new version
    and an audit entry are written.
    """

    list_display = ["id", "patient", "doctor", "appointment", "version", "created_at", "updated_at"]
    list_select_related = ["patient__user", "doctor__user"]
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
        "doctor__user__first_name",
        "doctor__user__last_name",
    ]
    list_filter = ["doctor__department", "created_at"]
    date_hierarchy = "created_at"
    fields = [
        "appointment",
        "patient",
        "doctor",
        "author",
        "version",
        "diagnosis",
        "prescription",
        "notes",
        "created_at",
        "updated_at",
    ]
    inlines = [VersionInline]

    def get_readonly_fields(self, request, obj=None):
        locked = ["appointment", "patient", "doctor", "author", "version", "created_at", "updated_at"]
        if obj is None or obj.author_id != request.user.pk:
            return [*locked, "diagnosis", "prescription", "notes"]
        return locked

    def has_add_permission(self, request) -> bool:
        return False  # records are written by the appointment's doctor through the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # medical records are never deleted

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            record = self.get_object(request, object_id)
            if record is not None:
                services.log_access(
                    user=request.user, records=[record], action=RecordAccessLog.Action.READ, ip=client_ip(request)
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in services.CLINICAL_FIELDS if name in form.changed_data}
        if changes:
            services.update_record(record=obj, by=request.user, ip=client_ip(request), **changes)


@admin.register(RecordAccessLog)
class RecordAccessLogAdmin(AccessLogAdmin):
    """Who read which medical record."""

    list_display = ["at", "action", "user", "record", "ip_address"]
    search_fields = ["user__email", "record__id", "ip_address"]
