from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.models import Role, profile_owner_error
from patients import services
from patients.models import Patient, PatientAccessLog
from scheduler.admin_forms import AccessLogAdmin, ProfileSavedThroughServices
from scheduler.net import client_ip


class PatientAdminForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["user", "phone", "date_of_birth", "insurance_name", "insurance_number"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user is not None and (refusal := profile_owner_error(user, Role.PATIENT)):
            raise forms.ValidationError(refusal)
        return user

    def clean_date_of_birth(self):
        # The service's rule, asked here so that it is a form error: raised in save_model it would be a 500.
        date_of_birth = self.cleaned_data["date_of_birth"]
        try:
            services.check_date_of_birth(date_of_birth)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["date_of_birth"]) from exc
        return date_of_birth


@admin.register(Patient)
class PatientAdmin(ProfileSavedThroughServices, admin.ModelAdmin):
    form = PatientAdminForm
    profile_fields = services.PROFILE_FIELDS
    update_profile = staticmethod(lambda obj, **changes: services.update_patient(patient=obj, **changes))
    add_profile = staticmethod(services.add_patient_profile)
    list_display = ["id", "full_name", "email", "phone", "date_of_birth", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "phone"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    # Insurance details are shown on the change form only, never in lists (they are PHI).
    fields = ["user", "phone", "date_of_birth", "insurance_name", "insurance_number", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A profile stays with its account: re-pointing it would hand the patient's appointments and
        # records to another user.
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    @admin.display(ordering="user__last_name", description="name")
    def full_name(self, obj: Patient) -> str:
        return obj.user.full_name

    @admin.display(ordering="user__email", description="email")
    def email(self, obj: Patient) -> str:
        return obj.user.email

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical data is never deleted from the admin; deactivate the user instead

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":  # the change page shows the insurance details: audited like the API
            patient = self.get_object(request, object_id)
            if patient is not None:
                services.log_profile_access(
                    user=request.user, patients=[patient], action=PatientAccessLog.Action.READ, ip=client_ip(request)
                )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(PatientAccessLog)
class PatientAccessLogAdmin(AccessLogAdmin):
    """Who read which patient profile."""

    list_display = ["at", "action", "user", "patient_id", "ip_address"]
    search_fields = ["user__email", "patient__id", "ip_address"]
