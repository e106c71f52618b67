from django.contrib import admin

from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["id", "full_name", "email", "phone", "date_of_birth", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "phone"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    # Insurance details are shown on the change form only, never in lists (they are PHI).
    fields = ["user", "phone", "date_of_birth", "insurance_name", "insurance_number", "created_at", "updated_at"]

    @admin.display(ordering="user__last_name", description="name")
    def full_name(self, obj: Patient) -> str:
        return obj.user.full_name

    @admin.display(ordering="user__email", description="email")
    def email(self, obj: Patient) -> str:
        return obj.user.email

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical data is never deleted from the admin; deactivate the user instead
