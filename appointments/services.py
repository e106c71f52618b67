"""Appointment commands: hold, confirm, book, cancel, check in, complete, reschedule, mark a no-show; the
hold sweep and the booking policy.

Locking order, the same in every command, so that two commands can never deadlock:
patient row, then slot rows in ascending id, then the appointment row. The database constraints
(one live appointment per slot; no overlapping live appointments of a patient) are the final guard;
their violations are translated here into the domain's 409 errors.

A hold past its ``hold_expires_at`` is over: whoever locks its slot next (a booking, a hold, a
reschedule, the sweep) ends it first, and a confirm decides "confirmed or expired" under the same
locks. Each command takes ``timezone.now()`` once and decides everything with it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, TypedDict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from appointments import signals
from appointments.models import (
    PATIENT_BUSY_STATUSES,
    POLICY_LIMITS,
    POLICY_PK,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    BookingPolicy,
)
from appointments.selectors import get_booking_policy
from doctors.models import Slot, SlotStatus
from patients.models import Patient
from patients.services import lock_patient
from scheduler import metrics
from scheduler.constraints import violated_constraint
from scheduler.exceptions import (
    HoldExpired,
    InvalidTransition,
    NotFound,
    PatientConflict,
    PermissionDenied,
    PolicyViolation,
    SlotUnavailable,
)

logger = logging.getLogger(__name__)

SLOT_GONE = "This slot does not exist or was deleted."
SLOT_TAKEN = "This slot is already booked."


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _DoctorIsActive(TypedDict):
        doctor_is_active: bool

    # A slot as _lock_slots returns it: with its doctor's account status.
    LockedSlot = WithAnnotations[Slot, _DoctorIsActive]
    # Locked slots by id, looked up with an appointment's slot id (None once its slot is gone).
    SlotsById = dict[int | None, LockedSlot]


# Locks are FOR NO KEY UPDATE: commands still exclude each other, but the FOR KEY SHARE locks that
# foreign-key checks take at commit (an appointment referencing a patient, a record referencing an
# appointment) do not wait for them, which would otherwise deadlock two commands.


# PostgreSQL: the slots locked in ascending id, each with only "is the doctor's account active" (one
# column, not two joined rows): the given slots and those of the patient's expired holds
# (appointment_hold_by_patient's predicate; none without a patient). One IN over a UNION, not
# "id IN (…) OR id IN (subquery)": PostgreSQL plans that OR as a filter over every slot (0.4 s per
# booking at 2 M slots), the UNION as two index lookups. Written out, as it is on the path of every
# booking, hold and move: compiling it through the ORM cost 1.5 ms of a 11 ms booking (bench/README.md).
LOCK_SLOTS = """
    SELECT "doctors_slot".*, "accounts_user"."is_active" AS "doctor_is_active"
    FROM "doctors_slot"
    JOIN "doctors_doctor" ON "doctors_doctor"."id" = "doctors_slot"."doctor_id"
    JOIN "accounts_user" ON "accounts_user"."id" = "doctors_doctor"."user_id"
    WHERE "doctors_slot"."id" IN (
        SELECT unnest(%s::bigint[])
        UNION ALL
        SELECT slot_id FROM appointments_appointment
        WHERE patient_id = %s AND status = %s AND hold_expires_at <= %s
    )
    ORDER BY "doctors_slot"."id"
    FOR NO KEY UPDATE OF "doctors_slot"
"""


def _lock_slots(*slot_ids: int, expired_holds_of: int | None = None, now: datetime.datetime | None = None) -> SlotsById:
    """Lock the slots, and with ``expired_holds_of`` those of that patient's expired holds, in ascending id
    (one statement: the same order); those holds are ended (their slots freed) before an overlap
    constraint trips on them. The patient's lock is held, so none can appear meanwhile."""
    if connection.vendor == "postgresql":
        params = [list(slot_ids), expired_holds_of, AppointmentStatus.PENDING.value, now]
        return {slot.pk: slot for slot in Slot.objects.raw(LOCK_SLOTS, params)}  # type: ignore[misc]
    wanted = Q(pk__in=slot_ids)
    if expired_holds_of is not None:
        holds = Appointment.objects.filter(
            patient_id=expired_holds_of, status=AppointmentStatus.PENDING, hold_expires_at__lte=now
        ).values("slot_id")
        given = Slot.objects.filter(pk__in=slot_ids).order_by().values("pk")
        wanted = Q(pk__in=given.union(holds.order_by(), all=True))
    slots = (
        Slot.objects.select_for_update(no_key=True, of=("self",))
        .annotate(doctor_is_active=F("doctor__user__is_active"))
        .filter(wanted)
        .order_by("pk")
    )
    return {slot.pk: slot for slot in slots}


def _end_expired_holds(slots: SlotsById) -> None:
    """End the expired holds on these locked slots: a hold past its time is over for whoever comes next.

    Decided under the slot's lock, which a confirm of that hold also takes before the appointment's:
    the hold is either confirmed first (the slot reads booked) or ended here, never both. Ending only
    gives up (the slot, an overlap), so it needs no lock of the hold's patient. Decided at the time the
    lock is held, not when the command began: a confirm that found the hold expired while we waited for
    the lock must not leave us seeing it still running.
    """
    held = [pk for pk, slot in slots.items() if pk is not None and slot.status == SlotStatus.HELD]
    if not held:
        return
    now = timezone.now()
    holds = Appointment.objects.select_for_update(no_key=True, of=("self",)).filter(
        slot_id__in=held, status=AppointmentStatus.PENDING, hold_expires_at__lte=now
    )
    for hold in holds.order_by("pk"):
        _expire(hold, slots[hold.slot_id])


def _expire(hold: Appointment, slot: Slot | None) -> None:
    """Write a locked, expired hold ``cancelled`` as of its expiry, and free (or withdraw) its slot."""
    withdrawn = _release(slot)
    if withdrawn:
        hold.slot = None
    hold.status = AppointmentStatus.CANCELLED
    hold.cancelled_at, hold.hold_expires_at = hold.hold_expires_at, None
    hold.save(update_fields=["status", "slot", "cancelled_at", "hold_expires_at", "updated_at"])
    if withdrawn:
        withdrawn.delete()
    _record(hold, AppointmentEvent.Action.EXPIRED, None)


def _lock_appointment(appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("patient", "doctor")
        # Only the user ids are needed (for the permission checks): skip decrypting insurance details.
        .defer("patient__insurance_name", "patient__insurance_number")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound("Appointment not found.")
    return appointment


def _lock_for_change(
    appointment: Appointment, *other_slot_ids: int, now: datetime.datetime | None = None
) -> tuple[Appointment, SlotsById]:
    """Lock an existing appointment with its current slot (and others), in the fixed order.

    Every command that changes an appointment holds its patient's lock, so once we hold it the
    appointment's slot can no longer move: read it again only then (the caller's copy may be stale).
    With ``now`` (moving into other slots), expired holds on those slots and the patient's own are ended.
    """
    lock_patient(appointment.patient_id)
    current_slot_id = Appointment.objects.filter(pk=appointment.pk).values_list("slot_id", flat=True).first()
    wanted = {s for s in (current_slot_id, *other_slot_ids) if s}
    if now is None:
        slots = _lock_slots(*wanted)
    else:
        slots = _lock_slots(*wanted, expired_holds_of=appointment.patient_id, now=now)
        _end_expired_holds(slots)
    return _lock_appointment(appointment.pk), slots


def _check_bookable(slot: LockedSlot | None, now: datetime.datetime | None = None) -> LockedSlot:
    # The account is read under the slot's lock on every booking, although deactivation withdraws a
    # doctor's free slots: a slot freed later (an appointment of theirs cancelled or moved) or published
    # while they were being deactivated must not be bookable either.
    if slot is None or not slot.doctor_is_active:
        raise SlotUnavailable(SLOT_GONE)
    if slot.status != SlotStatus.FREE:
        raise SlotUnavailable(SLOT_TAKEN)
    if slot.start <= (now or timezone.now()):
        raise ValidationError({"slot": ["This slot is in the past."]})
    return slot


def _check_booking_window(slot: Slot, policy: BookingPolicy, now: datetime.datetime) -> None:
    """A patient books, holds or moves into a slot between the policy's minimum notice and its horizon."""
    if (refusal := policy.window_refusal(slot.start, now)) is not None:
        raise PolicyViolation(refusal)


def _check_cutoff(appointment: Appointment, policy: BookingPolicy, now: datetime.datetime) -> None:
    """A patient cancels or moves a booking no later than the policy's cut-off before its start."""
    cutoff = policy.cancellation_cutoff_minutes
    if appointment.start - now < datetime.timedelta(minutes=cutoff):
        raise PolicyViolation(
            f"Booking policy cancellation_cutoff_minutes: cancel or reschedule at least {cutoff} minutes "
            "before the start; ask the clinic."
        )


def _release(slot: Slot | None) -> Slot | None:
    """Let go of a locked slot an appointment leaves: free again, or, if its doctor was deactivated, to be
    deleted (returned; the caller deletes it once the appointment no longer points at it).

    Deactivation withdraws a doctor's free slots; one freed later must not reappear in search (which
    does not read the doctor's account, to stay an index-only scan). The account is read in a statement
    of its own, after the slot's lock: a deactivation that committed while we waited for it is seen
    (the locking query's join would not see it), and one still running waits for our lock in
    ``withdraw_free_slots`` and then deletes the slot we freed.
    """
    if slot is None:
        return None
    if not User.objects.filter(doctor_profile__pk=slot.doctor_id, is_active=True).exists():
        return slot
    slot.status = SlotStatus.FREE
    slot.save(update_fields=["status"])
    signals.slot_freed.send(sender=Slot, slot_id=slot.pk)
    return None


def _check_patient_free(patient: Patient, slot: Slot, *, ignore: Appointment | None = None) -> None:
    """The patient has no other pending, scheduled or checked-in appointment overlapping ``slot``.

    On PostgreSQL the exclusion constraint ``appointments_patient_no_overlap`` answers this when the
    appointment is written (translated to the same 409, and the command holds the patient's lock), so
    the query is only asked of databases without it: a statement less on every booking.
    """
    if connection.vendor == "postgresql":
        return
    overlapping = Appointment.objects.filter(
        patient=patient, status__in=PATIENT_BUSY_STATUSES, start__lt=slot.end, end__gt=slot.start
    )
    if ignore is not None:
        overlapping = overlapping.exclude(pk=ignore.pk)
    if overlapping.exists():
        raise PatientConflict()


def _translate(exc: IntegrityError) -> Exception:
    name = violated_constraint(exc)
    if name == "appointments_patient_no_overlap":
        return PatientConflict()
    # SQLite names no constraint; its only unique constraint an appointment write can break is the slot's.
    if name == "appointments_one_live_per_slot" or name.startswith("UNIQUE constraint failed"):
        return SlotUnavailable(SLOT_TAKEN)
    return exc


def _record(appointment: Appointment, action: str, actor: User | None, **detail: Any) -> None:
    """Append the event (``actor`` None: the clinic's own doing, an expired hold) and log it after commit."""
    AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor, detail=detail)
    appointment_id, actor_id = appointment.pk, actor and actor.pk
    transaction.on_commit(lambda: logger.info("appointment %s %s by user %s", appointment_id, action, actor_id))
    transaction.on_commit(lambda: metrics.appointment_event(action))


def _take_slot(*, patient: Patient, slot_id: int, reason: str, by: User, hold: bool) -> Appointment:
    """Book (``scheduled``, slot ``booked``) or hold (``pending``, slot ``held``) a free future slot."""
    now = timezone.now()
    policy = get_booking_policy() if hold or by.is_patient else None  # read before taking any lock
    lock_patient(patient.pk)
    slots = _lock_slots(slot_id, expired_holds_of=patient.pk, now=now)
    _end_expired_holds(slots)
    slot = _check_bookable(slots.get(slot_id), now)
    if policy is not None and by.is_patient:
        _check_booking_window(slot, policy, now)
    _check_patient_free(patient, slot)
    appointment = Appointment(
        patient=patient, doctor_id=slot.doctor_id, slot=slot, start=slot.start, end=slot.end, reason=reason
    )
    if hold and policy is not None:  # (always set when holding; says so to the type checker)
        # A hold never outlives the slot's start: a visit cannot be confirmed once it has begun.
        appointment.status = AppointmentStatus.PENDING
        appointment.hold_expires_at = min(now + datetime.timedelta(seconds=policy.hold_seconds), slot.start)
    slot.status = SlotStatus.HELD if hold else SlotStatus.BOOKED
    # No savepoint: a constraint violation ends the whole command, so the transaction is rolled back
    # as the translated error leaves it (two statements fewer on the hottest path).
    try:
        slot.save(update_fields=["status"])
        appointment.save()
    except IntegrityError as exc:
        raise _translate(exc) from exc
    action = AppointmentEvent.Action.HELD if hold else AppointmentEvent.Action.BOOKED
    _record(appointment, action, by, slot=slot.pk)
    return appointment


@transaction.atomic
def book_appointment(*, patient: Patient, slot_id: int, reason: str = "", by: User) -> Appointment:
    """Book a free future slot for ``patient``; the slot reads ``booked`` in the same transaction."""
    appointment = _take_slot(patient=patient, slot_id=slot_id, reason=reason, by=by, hold=False)
    signals.appointment_booked.send(sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def hold_appointment(*, patient: Patient, slot_id: int, reason: str = "", by: User) -> Appointment:
    """Hold a free future slot for ``patient`` until it is confirmed, released or its time runs out
    (``pending`` with ``hold_expires_at``; the slot reads ``held``). The same locks and conflicts as booking."""
    return _take_slot(patient=patient, slot_id=slot_id, reason=reason, by=by, hold=True)


def _was_expired(appointment: Appointment, now: datetime.datetime) -> bool:
    """A hold that ran out: still pending past its time, or already written cancelled by an expiry."""
    if appointment.status == AppointmentStatus.PENDING:
        return appointment.hold_expired(now)
    return (
        appointment.status == AppointmentStatus.CANCELLED
        and appointment.events.filter(action=AppointmentEvent.Action.EXPIRED).exists()
    )


@transaction.atomic
def confirm_appointment(*, appointment: Appointment, by: User) -> Appointment:
    """Turn a hold into a booking (``scheduled``, the slot ``booked``); its patient or an admin.

    Confirming again answers the appointment unchanged. Past ``hold_expires_at`` → ``HoldExpired``:
    decided under the slot's and the appointment's locks, which ending the hold also takes.
    """
    now = timezone.now()
    appointment, slots = _lock_for_change(appointment)
    if not (by.is_admin or appointment.patient.user_id == by.pk):
        raise PermissionDenied("Only the appointment's patient or an admin can confirm it.")
    if appointment.status == AppointmentStatus.SCHEDULED:
        return appointment
    if _was_expired(appointment, now):
        raise HoldExpired()
    if appointment.status != AppointmentStatus.PENDING:
        raise InvalidTransition(f"A {appointment.status} appointment cannot be confirmed.")
    slot = slots[appointment.slot_id]  # a pending appointment always has its slot (a check constraint)
    slot.status = SlotStatus.BOOKED
    slot.save(update_fields=["status"])
    appointment.status, appointment.hold_expires_at = AppointmentStatus.SCHEDULED, None
    appointment.save(update_fields=["status", "hold_expires_at", "updated_at"])
    _record(appointment, AppointmentEvent.Action.CONFIRMED, by)
    signals.appointment_confirmed.send(sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def cancel_appointment(*, appointment: Appointment, by: User, reason: str = "") -> Appointment:
    """Cancel a scheduled appointment, or release a hold, and free its slot. A patient cannot cancel once
    it has started, nor (the policy's cut-off) a booking shortly before."""
    now = timezone.now()
    policy = get_booking_policy() if by.is_patient else None
    appointment, slots = _lock_for_change(appointment)
    if not (by.is_admin or by.pk in (appointment.patient.user_id, appointment.doctor.user_id)):
        raise PermissionDenied("Only the appointment's patient, its doctor or an admin can cancel it.")
    status = AppointmentStatus.CANCELLED if appointment.hold_expired(now) else appointment.status
    if status not in (AppointmentStatus.PENDING, AppointmentStatus.SCHEDULED):
        raise InvalidTransition(f"A {status} appointment cannot be cancelled.")
    if by.is_patient and appointment.start <= now:
        raise InvalidTransition("The appointment has started; ask the clinic to cancel it.")
    # Releasing a hold is never late: it is no commitment yet.
    if policy is not None and status == AppointmentStatus.SCHEDULED:
        _check_cutoff(appointment, policy, now)
    if hasattr(appointment, "medical_record"):
        raise InvalidTransition("The visit has a medical record; it happened and cannot be cancelled.")
    withdrawn = _release(slots.get(appointment.slot_id))
    if withdrawn:
        appointment.slot = None
    appointment.status, appointment.hold_expires_at = AppointmentStatus.CANCELLED, None
    appointment.cancellation_reason = reason
    appointment.cancelled_by = by
    appointment.cancelled_at = now
    appointment.save()
    if withdrawn:
        withdrawn.delete()  # only now: the appointment no longer holds it
    _record(appointment, AppointmentEvent.Action.CANCELLED, by)
    signals.appointment_cancelled.send(sender=Appointment, appointment=appointment, previous_status=status, by=by)
    return appointment


def _lock_as_doctor_or_admin(appointment: Appointment, by: User) -> Appointment:
    appointment = _lock_appointment(appointment.pk)
    if not (by.is_admin or appointment.doctor.user_id == by.pk):
        raise PermissionDenied("Only the appointment's doctor or an admin can do this.")
    return appointment


def _finish(
    appointment: Appointment, by: User, status: str, action: str, *, allowed_from: AbstractSet[str]
) -> Appointment:
    appointment = _lock_as_doctor_or_admin(appointment, by)
    if appointment.status not in allowed_from:
        raise InvalidTransition(f"A {appointment.status} appointment cannot become {status}.")
    if appointment.start > timezone.now():
        raise InvalidTransition("The visit has not started yet.")
    # Under the appointment's lock, which writing a record also takes: the two cannot cross.
    if status == AppointmentStatus.NO_SHOW and hasattr(appointment, "medical_record"):
        raise InvalidTransition("The visit has a medical record; the patient came.")
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, action, by)
    return appointment


@transaction.atomic
def complete_appointment(*, appointment: Appointment, by: User) -> Appointment:
    """Mark a started, scheduled or checked-in appointment as completed (its doctor or an admin)."""
    allowed = {AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN}
    return _finish(
        appointment, by, AppointmentStatus.COMPLETED, AppointmentEvent.Action.COMPLETED, allowed_from=allowed
    )


@transaction.atomic
def mark_no_show(*, appointment: Appointment, by: User) -> Appointment:
    """Record that the patient did not come (its doctor or an admin, once the visit has started)."""
    allowed = {AppointmentStatus.SCHEDULED}  # a checked-in patient came
    return _finish(appointment, by, AppointmentStatus.NO_SHOW, AppointmentEvent.Action.NO_SHOW, allowed_from=allowed)


@transaction.atomic
def check_in_appointment(*, appointment: Appointment, by: User) -> Appointment:
    """The patient has arrived (its doctor or an admin): from ``scheduled``, on the clinic's calendar day of
    the visit (``CLINIC_TIME_ZONE``) and before its end."""
    now = timezone.now()
    appointment = _lock_as_doctor_or_admin(appointment, by)
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise InvalidTransition(f"A {appointment.status} appointment cannot be checked in.")
    clinic = ZoneInfo(settings.CLINIC_TIME_ZONE)
    visit_day = appointment.start.astimezone(clinic).date()
    if now.astimezone(clinic).date() != visit_day:
        raise InvalidTransition(f"Check-in is on the day of the visit ({visit_day}, {settings.CLINIC_TIME_ZONE}).")
    if now >= appointment.end:
        raise InvalidTransition("The visit is over; complete it or mark a no-show.")
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, AppointmentEvent.Action.CHECKED_IN, by)
    return appointment


@transaction.atomic
def reschedule_appointment(*, appointment: Appointment, new_slot_id: int, by: User) -> Appointment:
    """Move a scheduled appointment to another free slot: the old slot is freed, all or nothing."""
    now = timezone.now()
    policy = get_booking_policy() if by.is_patient else None
    appointment, slots = _lock_for_change(appointment, new_slot_id, now=now)
    if not (by.is_admin or appointment.patient.user_id == by.pk):
        raise PermissionDenied("Only the appointment's patient or an admin can reschedule it.")
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise InvalidTransition(f"A {appointment.status} appointment cannot be rescheduled.")
    if appointment.start <= now and not by.is_admin:
        raise InvalidTransition("The appointment has started; it can no longer be moved.")
    if new_slot_id == appointment.slot_id:
        raise SlotUnavailable("The appointment is already on this slot.")
    if hasattr(appointment, "medical_record"):
        # Its record belongs to the visit that took place, written by that doctor (who would lose it).
        raise InvalidTransition("The visit has a medical record; it happened and cannot be moved.")
    new_slot = _check_bookable(slots.get(new_slot_id), now)
    if policy is not None:
        _check_cutoff(appointment, policy, now)
        _check_booking_window(new_slot, policy, now)
    _check_patient_free(appointment.patient, new_slot, ignore=appointment)
    old_slot = slots.get(appointment.slot_id)
    old_slot_id = old_slot.pk if old_slot else None
    try:
        withdrawn = _release(old_slot)
        new_slot.status = SlotStatus.BOOKED
        new_slot.save(update_fields=["status"])
        appointment.slot, appointment.doctor_id = new_slot, new_slot.doctor_id
        appointment.start, appointment.end = new_slot.start, new_slot.end
        appointment.save()
    except IntegrityError as exc:
        raise _translate(exc) from exc
    if withdrawn:
        withdrawn.delete()  # only now: the appointment has moved off it
    _record(appointment, AppointmentEvent.Action.RESCHEDULED, by, old_slot=old_slot_id, slot=new_slot.pk)
    signals.appointment_rescheduled.send(sender=Appointment, appointment=appointment)
    return appointment


def _expired_hold_candidates(batch_size: int, now: datetime.datetime) -> list[tuple[int, int, int]]:
    """(appointment, patient, slot) of the oldest expired holds, read without locks: possibly stale."""
    return list(
        Appointment.objects.filter(status=AppointmentStatus.PENDING, hold_expires_at__lte=now)
        .order_by("hold_expires_at", "pk")
        .values_list("pk", "patient_id", "slot_id")[:batch_size]
    )


def _expire_batch(batch_size: int, now: datetime.datetime) -> int:
    """End up to ``batch_size`` expired holds in one transaction, in the standard lock order; rows another
    transaction holds are skipped (SKIP LOCKED): that one, or the next run, ends them."""
    candidates = _expired_hold_candidates(batch_size, now)
    if not candidates:
        return 0
    patients = set(
        Patient.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(pk__in={patient_id for _, patient_id, _ in candidates})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    slots: dict[int | None, Slot] = {
        slot.pk: slot
        for slot in Slot.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(pk__in={slot_id for _, patient_id, slot_id in candidates if patient_id in patients})
        .order_by("pk")
    }
    holds = Appointment.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk__in=[pk for pk, patient_id, slot_id in candidates if patient_id in patients and slot_id in slots],
        status=AppointmentStatus.PENDING,  # re-read under the lock: confirmed or ended meanwhile
        hold_expires_at__lte=now,
    )
    expired = 0
    for hold in holds.order_by("pk"):
        _expire(hold, slots[hold.slot_id])
        expired += 1
    return expired


def expire_holds(*, batch_size: int = 200) -> int:
    """Write every hold past its time ``cancelled`` and free its slot, in batches of one transaction each.

    Safe with any number of runners at once. Stops when a batch ends none (nothing left, or only holds
    others are ending). Returns how many it ended.
    """
    total = 0
    while True:
        with transaction.atomic():
            expired = _expire_batch(batch_size, timezone.now())
        if not expired:
            return total
        total += expired


@transaction.atomic
def update_booking_policy(*, by: User, **changes: Any) -> BookingPolicy:
    """Change the clinic's booking policy (admins). A value out of its range is a 400 naming the field."""
    if not by.is_admin:
        raise PermissionDenied("Only an admin can change the booking policy.")
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name not in POLICY_LIMITS:
            errors[name] = ["This field cannot be changed."]
            continue
        low, high = POLICY_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [f"Must be a whole number from {low} to {high}."]
    if errors:
        raise ValidationError(errors)
    policy, _ = BookingPolicy.objects.select_for_update().get_or_create(pk=POLICY_PK)
    for name, value in changes.items():
        setattr(policy, name, value)
    if policy.min_notice_minutes >= policy.booking_horizon_days * 24 * 60:
        message = "The minimum notice must be shorter than the booking horizon."
        raise ValidationError({"min_notice_minutes": [message], "booking_horizon_days": [message]})
    policy.save()
    return policy
