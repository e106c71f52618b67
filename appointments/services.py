"""Appointment commands: book, cancel, complete, reschedule, mark a no-show.

Locking order, the same in every command, so that two commands can never deadlock:
patient row, then slot rows in ascending id, then the appointment row. The database constraints
(one live appointment per slot; no overlapping scheduled appointments of a patient) are the final guard;
their violations are translated here into the domain's 409 errors.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, AppointmentEvent, AppointmentStatus
from doctors.models import Slot, SlotStatus
from patients.models import Patient
from scheduler import metrics
from scheduler.constraints import violated_constraint
from scheduler.exceptions import InvalidTransition, NotFound, PatientConflict, PermissionDenied, SlotUnavailable

logger = logging.getLogger(__name__)

SLOT_GONE = "This slot does not exist or was deleted."
SLOT_TAKEN = "This slot is already booked."


# Locks are FOR NO KEY UPDATE: commands still exclude each other, but the FOR KEY SHARE locks that
# foreign-key checks take at commit (an appointment referencing a patient, a record referencing an
# appointment) do not wait for them, which would otherwise deadlock two commands.


def lock_patient(patient_id: int) -> None:
    """The first lock of every command on a patient's appointments (and on their records)."""
    Patient.objects.select_for_update(no_key=True).filter(pk=patient_id).values_list("pk").first()


def _lock_slots(*slot_ids: int) -> dict[int, Slot]:
    # Of the doctor only "is the account active" is needed: one column, not two joined rows.
    slots = (
        Slot.objects.select_for_update(no_key=True, of=("self",))
        .annotate(doctor_is_active=F("doctor__user__is_active"))
        .filter(pk__in=slot_ids)
        .order_by("pk")
    )
    return {slot.pk: slot for slot in slots}


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


def _lock_for_change(appointment: Appointment, *other_slot_ids: int) -> tuple[Appointment, dict[int, Slot]]:
    """Lock an existing appointment with its current slot (and others), in the fixed order.

    Every command that changes an appointment holds its patient's lock, so once we hold it the
    appointment's slot can no longer move: read it again only then (the caller's copy may be stale).
    """
    lock_patient(appointment.patient_id)
    current_slot_id = Appointment.objects.filter(pk=appointment.pk).values_list("slot_id", flat=True).first()
    slots = _lock_slots(*{s for s in (current_slot_id, *other_slot_ids) if s})
    return _lock_appointment(appointment.pk), slots


def _check_bookable(slot: Slot | None) -> Slot:
    # The account is read under the slot's lock on every booking, although deactivation withdraws a
    # doctor's free slots: a slot freed later (an appointment of theirs cancelled or moved) or published
    # while they were being deactivated must not be bookable either.
    if slot is None or not slot.doctor_is_active:
        raise SlotUnavailable(SLOT_GONE)
    if slot.status != SlotStatus.FREE:
        raise SlotUnavailable(SLOT_TAKEN)
    if slot.start <= timezone.now():
        raise ValidationError({"slot": ["This slot is in the past."]})
    return slot


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
    return None


def _check_patient_free(patient: Patient, slot: Slot, *, ignore: Appointment | None = None) -> None:
    """The patient has no other scheduled appointment overlapping ``slot``.

    On PostgreSQL the exclusion constraint ``appointments_patient_no_overlap`` answers this when the
    appointment is written (translated to the same 409, and the command holds the patient's lock), so
    the query is only asked of databases without it: a statement less on every booking.
    """
    if connection.vendor == "postgresql":
        return
    overlapping = Appointment.objects.filter(
        patient=patient, status=AppointmentStatus.SCHEDULED, start__lt=slot.end, end__gt=slot.start
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


def _record(appointment: Appointment, action: str, actor: User, **detail) -> None:
    AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor, detail=detail)
    appointment_id = appointment.pk
    transaction.on_commit(lambda: logger.info("appointment %s %s by user %s", appointment_id, action, actor.pk))
    transaction.on_commit(lambda: metrics.appointment_event(action))


@transaction.atomic
def book_appointment(*, patient: Patient, slot_id: int, reason: str = "", by: User) -> Appointment:
    """Book a free future slot for ``patient``; the slot reads ``booked`` in the same transaction."""
    lock_patient(patient.pk)
    slot = _check_bookable(_lock_slots(slot_id).get(slot_id))
    _check_patient_free(patient, slot)
    appointment = Appointment(
        patient=patient, doctor_id=slot.doctor_id, slot=slot, start=slot.start, end=slot.end, reason=reason
    )
    slot.status = SlotStatus.BOOKED
    # No savepoint: a constraint violation ends the whole command, so the transaction is rolled back
    # as the translated error leaves it (two statements fewer on the hottest path).
    try:
        slot.save(update_fields=["status"])
        appointment.save()
    except IntegrityError as exc:
        raise _translate(exc) from exc
    _record(appointment, AppointmentEvent.Action.BOOKED, by, slot=slot.pk)
    return appointment


@transaction.atomic
def cancel_appointment(*, appointment: Appointment, by: User, reason: str = "") -> Appointment:
    """Cancel a scheduled appointment and free its slot. A patient cannot cancel once it has started."""
    appointment, slots = _lock_for_change(appointment)
    if not (by.is_admin or by.pk in (appointment.patient.user_id, appointment.doctor.user_id)):
        raise PermissionDenied("Only the appointment's patient, its doctor or an admin can cancel it.")
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise InvalidTransition(f"A {appointment.status} appointment cannot be cancelled.")
    if by.is_patient and appointment.start <= timezone.now():
        raise InvalidTransition("The appointment has started; ask the clinic to cancel it.")
    if hasattr(appointment, "medical_record"):
        raise InvalidTransition("The visit has a medical record; it happened and cannot be cancelled.")
    withdrawn = _release(slots.get(appointment.slot_id))
    if withdrawn:
        appointment.slot = None
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancellation_reason = reason
    appointment.cancelled_by = by
    appointment.cancelled_at = timezone.now()
    appointment.save()
    if withdrawn:
        withdrawn.delete()  # only now: the appointment no longer holds it
    _record(appointment, AppointmentEvent.Action.CANCELLED, by)
    return appointment


def _finish(appointment: Appointment, by: User, status: str, action: str) -> Appointment:
    appointment = _lock_appointment(appointment.pk)
    if not (by.is_admin or appointment.doctor.user_id == by.pk):
        raise PermissionDenied("Only the appointment's doctor or an admin can do this.")
    if appointment.status != AppointmentStatus.SCHEDULED:
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
    """Mark a started, scheduled appointment as completed (its doctor or an admin)."""
    return _finish(appointment, by, AppointmentStatus.COMPLETED, AppointmentEvent.Action.COMPLETED)


@transaction.atomic
def mark_no_show(*, appointment: Appointment, by: User) -> Appointment:
    """Record that the patient did not come (its doctor or an admin, once the visit has started)."""
    return _finish(appointment, by, AppointmentStatus.NO_SHOW, AppointmentEvent.Action.NO_SHOW)


@transaction.atomic
def reschedule_appointment(*, appointment: Appointment, new_slot_id: int, by: User) -> Appointment:
    """Move a scheduled appointment to another free slot: the old slot is freed, all or nothing."""
    appointment, slots = _lock_for_change(appointment, new_slot_id)
    if not (by.is_admin or appointment.patient.user_id == by.pk):
        raise PermissionDenied("Only the appointment's patient or an admin can reschedule it.")
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise InvalidTransition(f"A {appointment.status} appointment cannot be rescheduled.")
    if appointment.start <= timezone.now() and not by.is_admin:
        raise InvalidTransition("The appointment has started; it can no longer be moved.")
    if new_slot_id == appointment.slot_id:
        raise SlotUnavailable("The appointment is already on this slot.")
    if hasattr(appointment, "medical_record"):
        # Its record belongs to the visit that took place, written by that doctor (who would lose it).
        raise InvalidTransition("The visit has a medical record; it happened and cannot be moved.")
    new_slot = _check_bookable(slots.get(new_slot_id))
    _check_patient_free(appointment.patient, new_slot, ignore=appointment)
    old_slot = slots.get(appointment.slot_id)
    old_slot_id = old_slot and old_slot.pk
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
    return appointment
