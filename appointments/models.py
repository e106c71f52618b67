from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models

from doctors.models import Doctor, Slot
from patients.models import Patient
from scheduler.constraints import PostgresExclusionConstraint, TsTzRange
from scheduler.fields import EncryptedTextField
from scheduler.models import AppendOnlyModel, TimeStampedModel


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"  # FHIR: booked
    COMPLETED = "completed", "Completed"  # FHIR: fulfilled
    CANCELLED = "cancelled", "Cancelled"  # FHIR: cancelled
    NO_SHOW = "no_show", "No-show"  # FHIR: noshow


# Statuses that hold their slot: at most one such appointment per slot.
LIVE_STATUSES = [AppointmentStatus.SCHEDULED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]

# Statuses of a (started) visit that may get its medical record: the patient came, or may have. Not
# no_show, not cancelled. ``checked_in`` belongs here when it exists (API.md, Medical records).
RECORDABLE_STATUSES = [AppointmentStatus.SCHEDULED, AppointmentStatus.COMPLETED]


class Appointment(TimeStampedModel):
    """A patient's booking of one slot. ``start``/``end``/``doctor`` are copied from the slot when booked."""

    # No single-column indexes on these two: appointment_by_patient and appointment_by_doctor start with
    # them, and every index is one more write on each booking.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments", db_index=False)
    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="appointments", db_index=False)
    # A cancelled appointment lets its slot go: deleting that free slot later keeps the history.
    slot = models.ForeignKey(Slot, on_delete=models.SET_NULL, null=True, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED)
    # Why a patient comes is health information: encrypted like medical records.
    reason = EncryptedTextField(blank=True, default="", max_length=2000)
    cancellation_reason = EncryptedTextField(blank=True, default="", max_length=2000)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Stored, but no query looks appointments up by it: without TimeStampedModel's index, one write less
    # on every booking.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values), name="appointments_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointments_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(status=AppointmentStatus.CANCELLED) | models.Q(slot__isnull=False),
                name="appointments_live_has_slot",
            ),
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="appointments_one_live_per_slot",
                violation_error_code="slot_unavailable",
            ),
            PostgresExclusionConstraint(
                name="appointments_patient_no_overlap",
                expressions=[
                    ("patient", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=models.Q(status=AppointmentStatus.SCHEDULED),
                violation_error_code="patient_conflict",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "start"], name="appointment_by_patient"),
            models.Index(fields=["doctor", "start"], name="appointment_by_doctor"),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} ({self.status}) {self.start:%Y-%m-%d %H:%M} UTC"


class AppointmentEvent(AppendOnlyModel):
    """Append-only history of an appointment's state changes, written in the same transaction."""

    class Action(models.TextChoices):
        BOOKED = "booked"
        CANCELLED = "cancelled"
        COMPLETED = "completed"
        RESCHEDULED = "rescheduled"
        NO_SHOW = "no_show"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"
