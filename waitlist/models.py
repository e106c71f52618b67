from django.contrib.postgres.fields import RangeOperators
from django.db import models

from appointments.models import Appointment
from doctors.models import Doctor, Specialization
from patients.models import Patient
from scheduler.constraints import PostgresExclusionConstraint, TsTzRange


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered (a hold in the patient's name)"
    BOOKED = "booked", "Booked (the offer was confirmed)"
    EXPIRED = "expired", "Expired (the window passed, or the offer ran out)"
    CANCELLED = "cancelled", "Cancelled"


# Finished entries: nothing changes them any more.
FINAL_STATUSES = [EntryStatus.BOOKED, EntryStatus.EXPIRED, EntryStatus.CANCELLED]


def _no_overlap(field: str) -> PostgresExclusionConstraint:
    """One waiting entry per patient and ``field`` (doctor or specialization) at any time of the window.

    An entry for the other kind has NULL here, and NULL equals nothing: each constraint sees only its kind.
    """
    return PostgresExclusionConstraint(
        name=f"waitlist_one_waiting_per_{field}",
        expressions=[
            ("patient", RangeOperators.EQUAL),
            (field, RangeOperators.EQUAL),
            (TsTzRange("start_after", "start_before", models.Value("[)")), RangeOperators.OVERLAPS),
        ],
        condition=models.Q(status=EntryStatus.WAITING),
        violation_error_code="already_waiting",
    )


class WaitlistEntry(models.Model):
    """A patient waiting for a free slot of a doctor, or of any doctor of a specialization, starting in
    ``[start_after, start_before)``. First come, first offered (``created_at``, then ``id``)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist_entries")
    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    specialization = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_after = models.DateTimeField()
    start_before = models.DateTimeField()
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.WAITING)
    # The hold offered (``offered``), then the booking it became (``booked``); kept on a lapsed offer.
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="waitlist_entry"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doctor__isnull=False, specialization__isnull=True)
                | models.Q(doctor__isnull=True, specialization__isnull=False),
                name="waitlist_doctor_xor_specialization",
            ),
            models.CheckConstraint(
                condition=models.Q(start_before__gt=models.F("start_after")), name="waitlist_window_not_empty"
            ),
            models.CheckConstraint(condition=models.Q(status__in=EntryStatus.values), name="waitlist_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status__in=[EntryStatus.OFFERED, EntryStatus.BOOKED])
                | models.Q(appointment__isnull=False),
                name="waitlist_offer_has_appointment",
            ),
            _no_overlap("doctor"),
            _no_overlap("specialization"),
        ]
        indexes = [
            # The offer's question: the oldest waiting entries of this doctor / specialization.
            models.Index(
                fields=["doctor", "created_at", "id"],
                condition=models.Q(status=EntryStatus.WAITING),
                name="waitlist_waiting_by_doctor",
            ),
            models.Index(
                fields=["specialization", "created_at", "id"],
                condition=models.Q(status=EntryStatus.WAITING),
                name="waitlist_waiting_by_spec",
            ),
            models.Index(fields=["patient", "created_at"], name="waitlist_by_patient"),
        ]

    def __str__(self) -> str:
        target = f"doctor {self.doctor_id}" if self.doctor_id else f"specialization {self.specialization_id}"
        return f"Waitlist entry {self.pk} of patient {self.patient_id} for {target} ({self.status})"
