from django.contrib import admin

from doctors.models import Department, Doctor, Specialization


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Doctor)
class DoctorAdmin(admin.ModelAdmin):
    list_display = ["id", "full_name", "email", "specialization", "department", "availability_status", "phone"]
    list_select_related = ["user", "specialization", "department"]
    list_filter = ["availability_status", "specialization", "department"]
    list_editable = ["availability_status"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "phone"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(ordering="user__last_name", description="name")
    def full_name(self, obj: Doctor) -> str:
        return obj.user.full_name

    @admin.display(ordering="user__email", description="email")
    def email(self, obj: Doctor) -> str:
        return obj.user.email

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # doctors carry clinical history; deactivate the user instead
