from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from accounts.models import Role
from scheduler.constraints import PostgresExclusionConstraint, TsTzRange  # migrations name doctors.models.TsTzRange
from scheduler.models import TimeStampedModel


class Department(TimeStampedModel):
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="doctors_department_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Specialization(TimeStampedModel):
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="doctors_specialization_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class AvailabilityStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    OCCUPIED = "occupied", "Occupied"


class Doctor(TimeStampedModel):
    """A doctor's profile; name and email live on the user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="doctor_profile")
    phone = PhoneNumberField(blank=True, default="")
    specialization = models.ForeignKey(Specialization, on_delete=models.PROTECT, related_name="doctors")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="doctors")
    availability_status = models.CharField(
        max_length=16, choices=AvailabilityStatus.choices, default=AvailabilityStatus.AVAILABLE
    )
    bio = models.TextField(blank=True, default="", max_length=2000)
    # Always "doctor": with (user, user_role) referencing the user's (id, role) (a composite foreign key,
    # doctors migration 0003), only a doctor-role user can own this profile, and keeps that role. A
    # database default too, for inserts outside the ORM (the bench seeder).
    user_role = models.CharField(max_length=16, default=Role.DOCTOR, db_default=Role.DOCTOR, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(user_role=Role.DOCTOR), name="doctors_doctor_user_role_doctor"),
            models.CheckConstraint(
                condition=models.Q(availability_status__in=AvailabilityStatus.values),
                name="doctors_doctor_availability_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Dr. {self.user.full_name or self.user.email}"


class SlotStatus(models.TextChoices):
    FREE = "free", "Free"
    HELD = "held", "Held"  # a pending appointment keeps it while its patient confirms
    BOOKED = "booked", "Booked"


# What a slot search returns besides the index keys, so that searches never visit the table.
SEARCH_COLUMNS = ["doctor", "specialization", "department", "end", "status"]


class Slot(models.Model):
    """One bookable hour of a doctor. Two slots of one doctor never overlap (an exclusion constraint).

    ``specialization`` and ``department`` are copies of the doctor's, kept in step by
    ``doctors.services.update_doctor``: they let "free slots of specialization X, earliest first" be a
    single partial-index range scan (DesignDecisions.md, Slots).
    """

    # No single-column FK indexes: the composite and partial indexes below lead with these columns.
    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="slots", db_index=False)
    specialization = models.ForeignKey(Specialization, on_delete=models.PROTECT, related_name="+", db_index=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", db_index=False)
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=8, choices=SlotStatus.choices, default=SlotStatus.FREE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="doctors_slot_end_after_start"),
            models.CheckConstraint(condition=models.Q(status__in=SlotStatus.values), name="doctors_slot_status_valid"),
            # Also the (doctor, start) b-tree that lists one doctor's calendar in order.
            models.UniqueConstraint(fields=["doctor", "start"], name="doctors_slot_doctor_start_unique"),
            PostgresExclusionConstraint(
                name="doctors_slot_no_overlap",
                expressions=[
                    ("doctor", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                violation_error_code="slot_overlap",
                violation_error_message="This slot overlaps another slot of the same doctor.",
            ),
        ]
        # Covering partial indexes: a slot search is an index-only range scan on (filter, start) that
        # returns rows already in (start, id) order, with no heap visits (DesignDecisions.md, Slots).
        indexes = [
            models.Index(
                fields=["specialization", "start", "id"],
                include=SEARCH_COLUMNS,
                condition=models.Q(status=SlotStatus.FREE),
                name="slot_free_by_specialization",
            ),
            models.Index(
                fields=["department", "start", "id"],
                include=SEARCH_COLUMNS,
                condition=models.Q(status=SlotStatus.FREE),
                name="slot_free_by_dept",
            ),
            models.Index(
                fields=["start", "id"],
                include=SEARCH_COLUMNS,
                condition=models.Q(status=SlotStatus.FREE),
                name="slot_free_by_start",
            ),
            models.Index(fields=["start", "id"], name="slot_by_start"),
        ]

    def __str__(self) -> str:
        # In the current time zone: the clinic's on admin pages (their breadcrumbs and messages), else UTC.
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.doctor_id} {start:%Y-%m-%d %H:%M}–{end:%H:%M %Z} ({self.status})"
