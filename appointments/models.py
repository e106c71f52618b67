import datetime

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.utils import timezone

from doctors.models import Doctor, Slot
from patients.models import Patient
from scheduler.constraints import PostgresExclusionConstraint, TsTzRange
from scheduler.fields import EncryptedTextField
from scheduler.models import AppendOnlyModel, TimeStampedModel


class AppointmentStatus(models.TextChoices):
    """API.md's statuses; their FHIR codes are in ``appointments.statuses``."""

    PENDING = "pending", "Pending (held)"
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that hold their slot (every status but cancelled): at most one such appointment per slot. A
# pending one keeps it ``held``, the others ``booked``.
LIVE_STATUSES = [
    AppointmentStatus.PENDING,
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
]

# Statuses in which the patient is expected at that time: two of one patient never overlap. Not the
# finished ones (completed, no_show): they lie in the past, where nothing new is booked, and an admin
# may still enter a past visit beside them. Not cancelled.
PATIENT_BUSY_STATUSES = [AppointmentStatus.PENDING, AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN]

# Statuses of a (started) visit that may get its medical record: the patient came, or may have. Not
# pending (never confirmed), no_show or cancelled (API.md, Medical records).
RECORDABLE_STATUSES = [AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED]

# Not a visit with the doctor: a hold or a cancelled booking does not let a doctor see the patient.
NOT_A_VISIT = [AppointmentStatus.PENDING, AppointmentStatus.CANCELLED]


def status_filter(status: str, now: datetime.datetime) -> models.Q:
    """Appointments whose status, as it reads at ``now``, is ``status``: a hold past its time reads
    ``cancelled`` before any sweep has written it so."""
    expired = models.Q(status=AppointmentStatus.PENDING, hold_expires_at__lte=now)
    if status == AppointmentStatus.CANCELLED:
        return models.Q(status=AppointmentStatus.CANCELLED) | expired
    if status == AppointmentStatus.PENDING:
        return models.Q(status=AppointmentStatus.PENDING, hold_expires_at__gt=now)
    return models.Q(status=status)


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def with_status(self, status: str, *, now: datetime.datetime | None = None) -> "AppointmentQuerySet":
        """Filter by the status as it reads now (an expired hold is ``cancelled``)."""
        return self.filter(status_filter(status, now or timezone.now()))

    def with_effective_status(self, *, now: datetime.datetime | None = None) -> "AppointmentQuerySet":
        """Annotate ``status_now``: the status as it reads at ``now``, for ordering or grouping in SQL."""
        expired = models.When(
            status=AppointmentStatus.PENDING,
            hold_expires_at__lte=now or timezone.now(),
            then=models.Value(AppointmentStatus.CANCELLED.value),
        )
        return self.annotate(status_now=models.Case(expired, default=models.F("status")))


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
    # Set while (and only while) ``pending``: the hold is over at this instant, whether or not a sweep has
    # written it ``cancelled`` yet (``effective_status``).
    hold_expires_at = models.DateTimeField(null=True, blank=True)
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

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=AppointmentStatus.PENDING, hold_expires_at__isnull=False)
                | (~models.Q(status=AppointmentStatus.PENDING) & models.Q(hold_expires_at__isnull=True)),
                name="appointments_hold_expiry_iff_pending",
            ),
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
                condition=models.Q(status__in=PATIENT_BUSY_STATUSES),
                violation_error_code="patient_conflict",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "start"], name="appointment_by_patient"),
            models.Index(fields=["doctor", "start"], name="appointment_by_doctor"),
            # Holds only (small): a patient's expired holds, looked up on each of their bookings, and the
            # sweep's oldest expired holds first.
            models.Index(
                fields=["patient", "hold_expires_at"],
                condition=models.Q(status=AppointmentStatus.PENDING),
                name="appointment_hold_by_patient",
            ),
            models.Index(
                fields=["hold_expires_at"],
                condition=models.Q(status=AppointmentStatus.PENDING),
                name="appointment_hold_expiry",
            ),
        ]

    def __str__(self) -> str:
        # In the current time zone: the clinic's on admin pages (their breadcrumbs and messages), else UTC.
        return f"Appointment {self.pk} ({self.status}) {timezone.localtime(self.start):%Y-%m-%d %H:%M %Z}"

    def hold_expired(self, now: datetime.datetime | None = None) -> bool:
        """A pending appointment whose hold has run out: it is over, and reads ``cancelled``."""
        return (
            self.status == AppointmentStatus.PENDING
            and self.hold_expires_at is not None
            and self.hold_expires_at <= (now or timezone.now())
        )

    @property
    def effective_status(self) -> str:
        """The status as it reads now: an expired hold is ``cancelled`` before any sweep writes it."""
        return AppointmentStatus.CANCELLED if self.hold_expired() else self.status

    @property
    def effective_hold_expires_at(self) -> datetime.datetime | None:
        """``hold_expires_at`` as API.md shows it: null unless the appointment reads ``pending``."""
        return None if self.hold_expired() else self.hold_expires_at


class AppointmentEvent(AppendOnlyModel):
    """Append-only history of an appointment's state changes, written in the same transaction."""

    class Action(models.TextChoices):
        BOOKED = "booked"
        CANCELLED = "cancelled"
        COMPLETED = "completed"
        RESCHEDULED = "rescheduled"
        NO_SHOW = "no_show"
        HELD = "held"
        CONFIRMED = "confirmed"
        EXPIRED = "expired"
        CHECKED_IN = "checked_in"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    # Null for the clinic's own doing: a hold that ran out (``expired``) has no actor.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


# Each policy value's allowed range (inclusive): the check constraints, the service's 400s and the
# defaults below are built from it.
POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "hold_seconds": (10, 3600),  # API.md
    "min_notice_minutes": (0, 7 * 24 * 60),  # up to a week
    "cancellation_cutoff_minutes": (0, 7 * 24 * 60),  # up to a week
    "booking_horizon_days": (1, 2 * 365),  # a day (0 would bar patients altogether) to two years
}

POLICY_PK = 1


class BookingPolicy(models.Model):
    """The clinic's booking policy: one row (pk 1). Until an admin changes it, no row: the defaults apply."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=POLICY_PK, editable=False)
    hold_seconds = models.PositiveIntegerField(default=600)
    min_notice_minutes = models.PositiveIntegerField(default=0)
    cancellation_cutoff_minutes = models.PositiveIntegerField(default=0)
    booking_horizon_days = models.PositiveIntegerField(default=365)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "booking policy"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=POLICY_PK), name="appointments_bookingpolicy_singleton"),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": low, f"{name}__lte": high}),
                    name=f"appointments_bookingpolicy_{name}_range",
                )
                for name, (low, high) in POLICY_LIMITS.items()
            ),
            # A notice beyond the horizon would leave patients no slot at all.
            models.CheckConstraint(
                condition=models.Q(min_notice_minutes__lt=models.F("booking_horizon_days") * 24 * 60),
                name="appointments_bookingpolicy_notice_within_horizon",
            ),
        ]

    def __str__(self) -> str:
        return "Booking policy"

    def window_refusal(self, start: datetime.datetime, now: datetime.datetime) -> str | None:
        """Why a patient may not book, hold or move into a visit starting at ``start`` (None: they may):
        between the minimum notice and the horizon."""
        if start < now + datetime.timedelta(minutes=self.min_notice_minutes):
            return f"Booking policy min_notice_minutes: book at least {self.min_notice_minutes} minutes ahead."
        if start > now + datetime.timedelta(days=self.booking_horizon_days):
            return f"Booking policy booking_horizon_days: book at most {self.booking_horizon_days} days ahead."
        return None
