"""Doctor, department, specialization and availability commands."""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User, profile_owner_error
from accounts.services import create_account
from doctors import signals
from doctors.models import AvailabilityStatus, Department, Doctor, Slot, SlotStatus, Specialization
from doctors.periods import Period, split_period, weekly_periods
from scheduler.exceptions import NotFound, PermissionDenied, SlotOverlap, SlotUnavailable

Named = TypeVar("Named", Department, Specialization)


def _create_named(model: type[Named], name: str) -> Named:
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["This field may not be blank."]})
    if model.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A {model._meta.verbose_name} with this name already exists."]})
    try:
        with transaction.atomic():
            return model.objects.create(name=name)
    except IntegrityError as exc:
        raise ValidationError({"name": [f"A {model._meta.verbose_name} with this name already exists."]}) from exc


def create_department(*, name: str) -> Department:
    return _create_named(Department, name)


def create_specialization(*, name: str) -> Specialization:
    return _create_named(Specialization, name)


@transaction.atomic
def create_doctor(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    specialization: Specialization,
    department: Department,
    phone: str = "",
    bio: str = "",
) -> Doctor:
    """Create a doctor's user account and profile together: both or neither."""
    user = create_account(email=email, password=password, first_name=first_name, last_name=last_name, role=Role.DOCTOR)
    return add_doctor_profile(user=user, specialization=specialization, department=department, phone=phone, bio=bio)


@transaction.atomic
def add_doctor_profile(
    *,
    user: User,
    specialization: Specialization,
    department: Department,
    phone: str = "",
    bio: str = "",
    availability_status: str = AvailabilityStatus.AVAILABLE,
) -> Doctor:
    """Give an existing doctor-role account its profile (the admin's "add doctor").

    Only a doctor-role user may own one; the database's (user, user_role) foreign key is the final guard.
    """
    if refusal := profile_owner_error(user, Role.DOCTOR):
        raise ValidationError({"user": [refusal]})
    if Doctor.objects.filter(user=user).exists():
        raise ValidationError({"user": ["This user already has a doctor profile."]})
    doctor = Doctor(
        user=user,
        phone=phone,
        specialization=specialization,
        department=department,
        bio=bio,
        availability_status=availability_status,
    )
    doctor.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            doctor.save()
    except IntegrityError as exc:  # the role changed, or a profile was added, meanwhile
        refused = "This user cannot own a doctor profile (their role changed, or they have one)."
        raise ValidationError({"user": [refused]}) from exc
    return doctor


USER_FIELDS = {"first_name", "last_name"}
PROFILE_FIELDS = {"phone", "bio", "availability_status", "specialization", "department"}
ADMIN_ONLY_FIELDS = {"specialization", "department"}


def _check_doctor_or_admin(*, doctor_user_id: int, by: User, refusal: str) -> None:
    """The object rule of a doctor's profile, hours and slots: that doctor or an admin changes them."""
    if not (by.is_admin or doctor_user_id == by.pk):
        raise PermissionDenied(refusal)


@transaction.atomic
def update_doctor(*, doctor: Doctor, by: User, **changes: object) -> Doctor:
    """Change a doctor's profile (the doctor or an admin). Only an admin changes specialization and department."""
    _check_doctor_or_admin(
        doctor_user_id=doctor.user_id, by=by, refusal="Only the doctor or an admin can change this profile."
    )
    unknown = set(changes) - USER_FIELDS - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    restricted = sorted(ADMIN_ONLY_FIELDS & set(changes))
    if restricted and not by.is_admin:
        raise PermissionDenied(f"Only an admin can change: {', '.join(restricted)}.")
    # Re-read under a lock: the caller's copy may be stale, and a whole-row save would undo a
    # concurrent admin change (for example the department) that happened in between.
    doctor = Doctor.objects.select_for_update(no_key=True, of=("self",)).select_related("user").get(pk=doctor.pk)
    user = doctor.user
    user_changes = sorted(USER_FIELDS & set(changes))
    for name in user_changes:
        setattr(user, name, changes[name])
    for name in PROFILE_FIELDS & set(changes):
        setattr(doctor, name, changes[name])
    if user_changes:
        user.save(update_fields=user_changes)
    doctor.full_clean()
    doctor.save(update_fields=[*sorted(PROFILE_FIELDS & set(changes)), "updated_at"])
    if {"specialization", "department"} & set(changes):
        # Keep the slot rows' search copies in step (see Slot's docstring), locking them in id order
        # first, the order booking uses, so that this cannot deadlock with a reschedule.
        slots = Slot.objects.filter(doctor=doctor)
        list(slots.select_for_update(no_key=True).order_by("pk").values_list("pk"))
        slots.update(specialization=doctor.specialization_id, department=doctor.department_id)
    return doctor


MAX_PERIOD = datetime.timedelta(hours=24)
HORIZON = datetime.timedelta(days=2 * 366)  # how far ahead a clinic publishes working hours
MAX_REPEAT = datetime.timedelta(days=366)
MAX_SLOTS_PER_REQUEST = 1000
MAX_CONFLICTS_LISTED = 50


@dataclass(frozen=True)
class PublishedAvailability:
    slots: list[Slot]
    unused: datetime.timedelta


def _check_period(start: datetime.datetime, end: datetime.datetime) -> None:
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError({name: ["Include a UTC offset, e.g. 2027-03-01T09:00:00+00:00."]})
    if end <= start:
        raise ValidationError({"end": ["end must be after start."]})
    if end - start < datetime.timedelta(hours=1):
        raise ValidationError({"end": ["The period must be at least one hour long."]})
    if end - start > MAX_PERIOD:
        raise ValidationError({"end": ["A period may be at most 24 hours; use repeat_weekly_until for more."]})
    if start < timezone.now():
        raise ValidationError({"start": ["Availability cannot start in the past."]})
    if end > timezone.now() + HORIZON:
        raise ValidationError({"end": ["Availability can be published at most two years ahead."]})


def _periods(
    start: datetime.datetime,
    end: datetime.datetime,
    repeat_weekly_until: datetime.date | None,
    time_zone: str | None,
) -> list[Period]:
    if repeat_weekly_until is None:
        return [(start, end)]
    tz = ZoneInfo(time_zone or settings.CLINIC_TIME_ZONE)
    first_day = start.astimezone(tz).date()
    if repeat_weekly_until < first_day:
        raise ValidationError({"repeat_weekly_until": ["Must not be before the first period's date."]})
    if repeat_weekly_until > (timezone.now() + HORIZON).date():
        raise ValidationError({"repeat_weekly_until": ["Availability can be published at most two years ahead."]})
    if repeat_weekly_until - first_day > MAX_REPEAT:
        raise ValidationError({"repeat_weekly_until": ["A repetition may cover at most one year."]})
    return weekly_periods(start, end, repeat_weekly_until, tz)


@transaction.atomic
def publish_availability(
    *,
    doctor: Doctor,
    by: User,
    start: datetime.datetime,
    end: datetime.datetime,
    repeat_weekly_until: datetime.date | None = None,
    time_zone: str | None = None,
) -> PublishedAvailability:
    """Split working hours (optionally every week) into 1-hour slots: all of them, or none.

    Any overlap with an existing slot of the doctor raises ``SlotOverlap`` listing the conflicts. The
    doctor row is locked so that concurrent requests for one doctor queue up; the exclusion constraint
    is the final guard and its violation is translated into the same error. Only the doctor or an admin
    publishes the doctor's hours.
    """
    _check_doctor_or_admin(
        doctor_user_id=doctor.user_id, by=by, refusal="Only this doctor or an admin can publish their working hours."
    )
    _check_period(start, end)
    periods = _periods(start, end, repeat_weekly_until, time_zone)
    pairs: list[Period] = []
    unused = datetime.timedelta(0)
    for period_start, period_end in periods:
        slots, remainder = split_period(period_start, period_end)
        pairs.extend(slots)
        unused += remainder
    if len(pairs) > MAX_SLOTS_PER_REQUEST:
        raise ValidationError(
            {
                "repeat_weekly_until": [
                    f"This would create {len(pairs)} slots; one request may create at most {MAX_SLOTS_PER_REQUEST}."
                ]
            }
        )
    # The lock queues concurrent publications for one doctor; the locked row's specialization and
    # department are the ones copied onto the new slots (the caller's copy may be stale).
    doctor = Doctor.objects.select_for_update(no_key=True).get(pk=doctor.pk)
    # Deactivated while this request waited? Asked in a statement of its own, after the lock: its
    # snapshot includes what committed meanwhile (a join in the locking query would not see it).
    if not User.objects.filter(pk=doctor.user_id, is_active=True).exists():
        raise NotFound("Doctor not found.")
    overlapping = reduce(operator.or_, (Q(start__lt=e, end__gt=s) for s, e in periods))
    conflicts = list(Slot.objects.filter(overlapping, doctor=doctor).order_by("start")[:MAX_CONFLICTS_LISTED])
    if conflicts:
        raise SlotOverlap(extra={"conflicts": [_slot_brief(slot) for slot in conflicts]})
    new_slots = [
        Slot(
            doctor=doctor,
            specialization_id=doctor.specialization_id,
            department_id=doctor.department_id,
            start=s,
            end=e,
        )
        for s, e in pairs
    ]
    try:
        with transaction.atomic():
            created = Slot.objects.bulk_create(new_slots)
    except IntegrityError as exc:  # a writer that skipped the doctor lock (e.g. raw SQL) got there first
        raise SlotOverlap() from exc
    signals.slots_published.send(sender=Slot, slot_ids=[slot.pk for slot in created])
    return PublishedAvailability(slots=created, unused=unused)


def _slot_brief(slot: Slot) -> dict[str, int | str]:
    return {"id": slot.pk, "start": slot.start.isoformat(), "end": slot.end.isoformat(), "status": slot.status}


@transaction.atomic
def delete_slot(*, slot_id: int, by: User) -> None:
    """Delete a free slot (its doctor or an admin); a booked one stays (``SlotUnavailable``)."""
    slot = Slot.objects.select_for_update(no_key=True, of=("self",)).select_related("doctor").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("Slot not found.")
    _check_doctor_or_admin(
        doctor_user_id=slot.doctor.user_id, by=by, refusal="Only the slot's doctor or an admin can delete it."
    )
    if slot.status != SlotStatus.FREE:
        raise SlotUnavailable("This slot is booked; cancel its appointment first.")
    slot.delete()


@transaction.atomic
def withdraw_free_slots(*, doctor: Doctor) -> int:
    """Delete a doctor's free future slots (they are leaving); booked ones stay for the clinic to handle.

    Every future slot is locked, booked ones too (in id order, the booking order), so that a booking in
    progress is waited for and its slot withdrawn if it was not taken, and a cancellation or reschedule in
    progress is waited for and the slot it freed withdrawn. Later ones see the inactive account and
    delete the slot they free (``appointments.services._release``); booking refuses any slot of an
    inactive doctor.
    """
    slots = Slot.objects.filter(doctor=doctor, start__gt=timezone.now())
    locked = list(slots.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    deleted, _ = Slot.objects.filter(pk__in=locked, status=SlotStatus.FREE).delete()
    return deleted
