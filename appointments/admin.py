"""The front desk in the admin: every change of an appointment goes through the services, as the API.

List actions for the transitions that need no input (confirm, check in, complete, no-show, cancel with a
reason on an intermediate page); small pages for those that do (a walk-in booking or hold, cancelling
one appointment with a reason, rescheduling). Each refusal is the service's own words, on the form or as
an error message; status fields are never edited directly.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from appointments import services
from appointments.models import POLICY_LIMITS, Appointment, AppointmentEvent, AppointmentStatus, BookingPolicy
from appointments.selectors import get_booking_policy
from doctors.models import Doctor, Slot, SlotStatus
from patients.models import Patient
from scheduler.admin_forms import call_service
from scheduler.admin_site import HistoryInline
from scheduler.api import DATETIME_OUT_OF_RANGE, DATETIME_YEARS, ID_BOUNDS
from scheduler.exceptions import ApplicationError
from scheduler.ids import parse_id

SLOTS_OFFERED = 200  # free slots listed on one page (a day of the clinic)


class AppointmentEventInline(HistoryInline):
    model = AppointmentEvent
    fields = ["at", "action", "actor", "detail"]


def slot_label(slot: Slot) -> str:
    """A slot as staff read it: in the active (the clinic's) time zone, with its doctor."""
    start, end = timezone.localtime(slot.start), timezone.localtime(slot.end)
    return f"{start:%a %d %b %H:%M}–{end:%H:%M} · {slot.doctor}"


class SlotFinderForm(forms.Form):
    """Which free slots to offer: one day (the clinic's calendar), optionally one doctor. Read from the query."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    doctor = forms.ModelChoiceField(
        queryset=Doctor.objects.filter(user__is_active=True).select_related("user").order_by("user__last_name"),
        required=False,
        empty_label="any doctor",
    )

    def clean_day(self) -> datetime.date:
        # The project's bound for dates typed by clients: the day after 9999-12-31 would overflow.
        day = self.cleaned_data["day"]
        if day.year not in DATETIME_YEARS:
            raise forms.ValidationError(DATETIME_OUT_OF_RANGE.replace("datetime", "day"))
        return day

    def free_slots(self) -> list[Slot]:
        day = self.cleaned_data["day"] if self.is_valid() else timezone.localdate()
        doctor = self.cleaned_data.get("doctor") if self.is_valid() else None
        tz = timezone.get_current_timezone()
        day_start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        day_end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        slots = Slot.objects.filter(
            status=SlotStatus.FREE,
            start__gte=max(day_start, timezone.now()),
            start__lt=day_end,
            doctor__user__is_active=True,
        )
        if doctor is not None:
            slots = slots.filter(doctor=doctor)
        return list(slots.select_related("doctor__user").order_by("start", "doctor_id")[:SLOTS_OFFERED])


def slot_field() -> forms.IntegerField:
    # Any slot id is accepted: a slot taken or deleted since the page was shown gets the service's answer.
    return forms.IntegerField(**ID_BOUNDS, widget=forms.Select, label="Free slot")


def offer_slots(form: forms.Form, slots: list[Slot]) -> None:
    form.fields["slot"].widget.choices = [("", "---------"), *((s.pk, slot_label(s)) for s in slots)]


class PatientField(forms.ModelChoiceField):
    """A patient by id; an id beyond a bigint is an invalid choice before any query (SQLite cannot even
    compare it, PostgreSQL needlessly would)."""

    def to_python(self, value: object) -> object:
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class PatientAutocomplete(AutocompleteSelect):
    """Re-renders the submitted patient only if it can be one (an invalid form shows what was typed)."""

    def optgroups(self, name: str, value: list[str], attr: dict | None = None) -> list:
        return super().optgroups(name, [v for v in value if parse_id(v) is not None], attr)


class WalkInForm(forms.Form):
    BOOK, HOLD = "book", "hold"

    patient = PatientField(queryset=Patient.objects.select_related("user"))
    slot = slot_field()
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    mode = forms.ChoiceField(
        choices=[(BOOK, "Book now (scheduled)"), (HOLD, "Hold the slot (confirm later)")],
        initial=BOOK,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, admin_site, slots: list[Slot], **kwargs):
        super().__init__(*args, **kwargs)
        patient = self.fields["patient"]
        patient.widget = PatientAutocomplete(Appointment._meta.get_field("patient"), admin_site)
        patient.widget.choices = patient.choices  # renders only the chosen patient; the rest come by search
        offer_slots(self, slots)


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="Why the visit is cancelled."
    )


class RescheduleForm(forms.Form):
    slot = slot_field()

    def __init__(self, *args, slots: list[Slot], **kwargs):
        super().__init__(*args, **kwargs)
        offer_slots(self, slots)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only rows; every state change goes through the same services as the API."""

    list_display = ["id", "start", "patient_name", "doctor", "status_now"]  # no reason: health data stays off lists
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
    actions = ["confirm_selected", "check_in_selected", "complete_selected", "no_show_selected", "cancel_selected"]
    inlines = [AppointmentEventInline]
    readonly_fields = [f.name for f in Appointment._meta.fields]

    @admin.display(ordering="patient__user__last_name", description="patient")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.user.full_name or obj.patient.user.email

    @admin.display(ordering="status", description="status")
    def status_now(self, obj: Appointment) -> str:
        """The status as it reads now: a hold past its time is cancelled before any sweep writes it."""
        return AppointmentStatus(obj.effective_status).label

    def has_add_permission(self, request) -> bool:
        return False  # a booking is made on the walk-in page (book_appointment), never as a raw row

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical history is never deleted

    # ---- list actions ------------------------------------------------------------------------------

    def _apply(self, request, queryset, service, verb: str, **arguments) -> None:
        done = 0
        for appointment in queryset.select_related("patient", "doctor").order_by("pk"):
            try:
                service(appointment=appointment, by=request.user, **arguments)
                done += 1
            except ApplicationError as exc:
                messages.error(request, f"Appointment {appointment.pk}: {exc.detail}")
        if done:
            messages.success(request, f"{done} appointment(s) {verb}.")

    @admin.action(description="Confirm selected holds", permissions=["change"])
    def confirm_selected(self, request, queryset):
        self._apply(request, queryset, services.confirm_appointment, "confirmed")

    @admin.action(description="Check in selected appointments (the patient has arrived)", permissions=["change"])
    def check_in_selected(self, request, queryset):
        self._apply(request, queryset, services.check_in_appointment, "checked in")

    @admin.action(description="Mark selected appointments completed", permissions=["change"])
    def complete_selected(self, request, queryset):
        self._apply(request, queryset, services.complete_appointment, "completed")

    @admin.action(description="Mark selected appointments as no-shows", permissions=["change"])
    def no_show_selected(self, request, queryset):
        self._apply(request, queryset, services.mark_no_show, "marked as no-shows")

    @admin.action(description="Cancel selected appointments (with a reason; frees their slots)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        """An intermediate page asks for the reason; its submission comes back here with ``apply``."""
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._apply(request, queryset, services.cancel_appointment, "cancelled", reason=form.cleaned_data["reason"])
            return None  # back to the list, with the messages
        return self._page(
            request,
            "admin/appointments/appointment/cancel.html",
            "Cancel appointments",
            form,
            appointments=list(queryset.select_related("patient__user", "doctor__user")),
            bulk=True,
        )

    # ---- pages -------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("walk-in/", view(self.walk_in_view), name="appointments_appointment_walk_in"),
            path("<int:object_id>/cancel/", view(self.cancel_view), name="appointments_appointment_cancel"),
            path("<int:object_id>/reschedule/", view(self.reschedule_view), name="appointments_appointment_reschedule"),
            *super().get_urls(),
        ]

    def _require_front_desk(self, request) -> None:
        # The page's permission; the service then applies its object rules (who, from which state).
        if not self.has_change_permission(request):
            raise AdminPermissionDenied

    def _page(self, request, template: str, title: str, form, **context) -> TemplateResponse:
        media = self.media + form.media
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "media": media,
            **context,
        }
        return TemplateResponse(request, template, context)

    def _appointment(self, object_id: int) -> Appointment:
        return get_object_or_404(Appointment.objects.select_related("patient__user", "doctor__user"), pk=object_id)

    def _done(self, request, appointment: Appointment, message: str) -> HttpResponseRedirect:
        messages.success(request, message)
        return HttpResponseRedirect(reverse("admin:appointments_appointment_change", args=[appointment.pk]))

    def walk_in_view(self, request):
        """Book (or hold) a slot for a patient at the desk: ``book_appointment`` / ``hold_appointment``."""
        self._require_front_desk(request)
        finder = SlotFinderForm(request.GET or {"day": timezone.localdate()})
        form = WalkInForm(
            request.POST if request.method == "POST" else None, admin_site=self.admin_site, slots=finder.free_slots()
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            service = services.hold_appointment if data["mode"] == WalkInForm.HOLD else services.book_appointment
            appointment = call_service(
                form,
                lambda: service(patient=data["patient"], slot_id=data["slot"], reason=data["reason"], by=request.user),
            )
            if appointment is not None:
                start = timezone.localtime(appointment.start)
                if appointment.status == AppointmentStatus.PENDING:
                    until = timezone.localtime(appointment.hold_expires_at)
                    text = f"Held {start:%a %d %b %H:%M} for {data['patient']} until {until:%H:%M}; confirm it to book."
                else:
                    text = f"Booked {start:%a %d %b %H:%M} with {appointment.doctor} for {data['patient']}."
                return self._done(request, appointment, text)
        return self._page(request, "admin/appointments/appointment/walk_in.html", "Book a walk-in", form, finder=finder)

    def cancel_view(self, request, object_id: int):
        """Cancel one appointment with a reason: ``cancel_appointment``."""
        self._require_front_desk(request)
        appointment = self._appointment(object_id)
        form = CancelForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            if call_service(
                form, lambda: services.cancel_appointment(appointment=appointment, by=request.user, reason=reason)
            ):
                return self._done(request, appointment, f"Appointment {appointment.pk} cancelled; its slot is free.")
        return self._page(
            request,
            "admin/appointments/appointment/cancel.html",
            f"Cancel appointment {appointment.pk}",
            form,
            appointments=[appointment],
            original=appointment,
        )

    def reschedule_view(self, request, object_id: int):
        """Move a scheduled appointment to another free slot: ``reschedule_appointment``."""
        self._require_front_desk(request)
        appointment = self._appointment(object_id)
        day = max(timezone.localdate(appointment.start), timezone.localdate())
        finder = SlotFinderForm(request.GET or {"day": day, "doctor": appointment.doctor_id})
        form = RescheduleForm(request.POST if request.method == "POST" else None, slots=finder.free_slots())
        if request.method == "POST" and form.is_valid():
            slot_id = form.cleaned_data["slot"]
            moved = call_service(
                form,
                lambda: services.reschedule_appointment(appointment=appointment, new_slot_id=slot_id, by=request.user),
            )
            if moved is not None:
                start = timezone.localtime(moved.start)
                return self._done(request, moved, f"Appointment {moved.pk} moved to {start:%a %d %b %H:%M}.")
        return self._page(
            request,
            "admin/appointments/appointment/reschedule.html",
            f"Reschedule appointment {appointment.pk}",
            form,
            finder=finder,
            appointment=appointment,
            original=appointment,
        )


class BookingPolicyForm(forms.Form):
    """The policy's values; their ranges are the service's to check (its 400s land on these fields)."""

    hold_seconds = forms.IntegerField(help_text="How long a hold keeps its slot while the patient confirms.")
    min_notice_minutes = forms.IntegerField(help_text="Patients book at least this long before the start.")
    cancellation_cutoff_minutes = forms.IntegerField(
        help_text="Patients cancel or reschedule no later than this before the start."
    )
    booking_horizon_days = forms.IntegerField(help_text="Patients book at most this far ahead.")


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    """One page for the clinic's one policy, saved through ``update_booking_policy`` (admins)."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.policy_view)
        return [path("", view, name="appointments_bookingpolicy_changelist")]  # the one page, where the list was

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def policy_view(self, request):
        if not self.has_change_permission(request):
            raise AdminPermissionDenied
        policy = get_booking_policy()
        initial = {name: getattr(policy, name) for name in POLICY_LIMITS}
        form = BookingPolicyForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            if call_service(form, lambda: services.update_booking_policy(by=request.user, **changes)):
                messages.success(request, "The booking policy is saved." if changes else "Nothing changed.")
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Booking policy",
            "submit_label": "Save",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/front_desk_form.html", context)
