from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts import services
from accounts.models import User, normalize_email


class NormalizedEmailFormField(forms.EmailField):
    """The email in its stored form before validation, so a full-width address is not refused as invalid."""

    def to_python(self, value) -> str:
        return normalize_email(super().to_python(value))


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")
        field_classes = {"email": NormalizedEmailFormField}


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"email": NormalizedEmailFormField}

    def clean_role(self):
        role = self.cleaned_data["role"]
        # A profile belongs to a user of its role (in the database too: the profiles' (user, user_role)
        # foreign keys); changing the role would leave a patient owning a doctor profile or the reverse.
        if self.instance.pk is not None and role != self.instance.role:
            for profile in ("doctor_profile", "patient_profile"):
                if hasattr(self.instance, profile):
                    kind = profile.split("_")[0]
                    raise forms.ValidationError(
                        f"This user has a {kind} profile, so their role stays {self.instance.role}."
                    )
        return role


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "first_name", "last_name", "role", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivation ends every session (refresh tokens revoked; access tokens stop on the next
            # request because authentication re-reads is_active) and a doctor's free hours go away.
            services.deactivate_user(user=obj)
