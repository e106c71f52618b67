from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import Role, profile_owner_error
from doctors import services
from doctors.models import Department, Doctor, Slot, SlotStatus, Specialization
from scheduler.admin_forms import ProfileSavedThroughServices, call_service
from scheduler.exceptions import ApplicationError

UPCOMING_SHOWN = 20


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


class DoctorAdminForm(forms.ModelForm):
    class Meta:
        model = Doctor
        fields = ["user", "phone", "specialization", "department", "availability_status", "bio"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user is not None and (refusal := profile_owner_error(user, Role.DOCTOR)):
            raise forms.ValidationError(refusal)
        return user


LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what an <input type="datetime-local"> sends and shows


class PublishHoursForm(forms.Form):
    """Working hours in the clinic's local time (the admin runs in it), optionally repeated every week."""

    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE))
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE))
    repeat_weekly_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for this one period; a date repeats the same local hours every week until then.",
    )


@admin.register(Doctor)
class DoctorAdmin(ProfileSavedThroughServices, admin.ModelAdmin):
    list_display = ["id", "full_name", "email", "specialization", "department", "availability_status", "phone"]
    list_select_related = ["user", "specialization", "department"]
    list_filter = ["availability_status", "specialization", "department"]
    list_editable = ["availability_status"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "phone"]
    raw_id_fields = ["user"]
    readonly_fields = ["upcoming_slots", "created_at", "updated_at"]

    form = DoctorAdminForm
    # update_doctor locks the doctor, then its slots in id order (the booking order) before copying a
    # new specialization or department onto them.
    profile_fields = services.PROFILE_FIELDS
    update_profile = staticmethod(lambda obj, **changes: services.update_doctor(doctor=obj, **changes))
    add_profile = staticmethod(services.add_doctor_profile)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            # A profile stays with its account: re-pointing it would hand the doctor's slots, appointments
            # and records to another (perhaps inactive) user.
            fields.append("user")
        if not request.user.is_admin:
            fields.extend(sorted(services.ADMIN_ONLY_FIELDS))  # staff of another role: as update_doctor rules
        return fields

    @admin.display(ordering="user__last_name", description="name")
    def full_name(self, obj: Doctor) -> str:
        return obj.user.full_name

    @admin.display(ordering="user__email", description="email")
    def email(self, obj: Doctor) -> str:
        return obj.user.email

    @admin.display(description="upcoming slots")
    def upcoming_slots(self, obj: Doctor) -> str:
        if obj.pk is None:
            return "-"
        slots = obj.slots.filter(start__gte=timezone.now()).order_by("start")[:UPCOMING_SHOWN]
        zone = timezone.get_current_timezone_name()  # the clinic's on admin pages
        rows = format_html_join(
            "",
            "<li>{} – {} {}: {}</li>",
            (
                (
                    f"{timezone.localtime(s.start):%a %Y-%m-%d %H:%M}",
                    f"{timezone.localtime(s.end):%H:%M}",
                    zone,
                    s.status,
                )
                for s in slots
            ),
        )
        link = reverse("admin:doctors_slot_changelist") + f"?doctor__id__exact={obj.pk}"
        publish = reverse("admin:doctors_doctor_publish_hours", args=[obj.pk])
        return format_html(
            '<ul>{}</ul><a href="{}">All slots of this doctor</a> · <a href="{}">Publish hours…</a>',
            rows or "none",
            link,
            publish,
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.publish_hours_view)
        return [path("<int:object_id>/publish-hours/", view, name="doctors_doctor_publish_hours"), *super().get_urls()]

    def publish_hours_view(self, request, object_id: int):
        """Publish a doctor's working hours as free slots (``publish_availability``), entered in local time."""
        if not request.user.has_perm("doctors.add_slot"):
            raise AdminPermissionDenied
        doctor = get_object_or_404(Doctor.objects.select_related("user"), pk=object_id)
        form = PublishHoursForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            published = call_service(
                form,
                lambda: services.publish_availability(
                    doctor=doctor,
                    by=request.user,
                    start=data["start"],
                    end=data["end"],
                    repeat_weekly_until=data["repeat_weekly_until"],
                    time_zone=timezone.get_current_timezone_name(),
                ),
            )
            if published is not None:
                unused = int(published.unused.total_seconds() // 60)
                note = f" ({unused} minutes left over: slots are whole hours)" if unused else ""
                messages.success(request, f"Published {len(published.slots)} free slot(s) for {doctor}{note}.")
                return HttpResponseRedirect(reverse("admin:doctors_doctor_change", args=[doctor.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": doctor,
            "title": f"Publish hours of {doctor}",
            "submit_label": "Publish",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/doctors/doctor/publish_hours.html", context)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # doctors carry clinical history; deactivate the user instead


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    """Slots are created through availability (API) and change status only through booking.

    The admin lists and filters them, and deletes free ones through the same service as the API.
    """

    list_display = ["id", "doctor", "start", "end", "status", "specialization", "department"]
    list_select_related = ["doctor__user", "specialization", "department"]
    list_filter = ["status", "specialization", "department", "doctor"]
    date_hierarchy = "start"
    search_fields = ["doctor__user__first_name", "doctor__user__last_name", "doctor__user__email"]
    ordering = ["start"]
    show_full_result_count = False  # COUNT(*) over millions of slots on every page is not worth it

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == SlotStatus.FREE)

    def delete_model(self, request, obj):
        services.delete_slot(slot_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        refused = 0
        for slot_id in queryset.values_list("pk", flat=True):
            try:
                services.delete_slot(slot_id=slot_id, by=request.user)
            except ApplicationError:
                refused += 1
        if refused:
            messages.warning(request, f"{refused} booked slot(s) were kept: cancel their appointments first.")
