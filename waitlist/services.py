"""Waitlist commands: join, leave, offer a freed slot to the next in line, settle offers, expire entries.

Lock order. The waitlist's locks come first in the global order: **an offer run's advisory lock on its
slot, then waitlist entries, then the patient, then slots (ascending id), then the appointment**. Every
command here takes its entry rows before it calls an appointment command (which takes the patient, the
slot and the appointment), and nothing that holds a patient, slot or appointment lock ever waits for an
entry: the appointment commands only announce (``slot_freed``, ``appointment_confirmed``) and the
receivers only read and enqueue a task. The offer, the settling and the sweep take entries with SKIP
LOCKED (they never wait for an entry at all); only ``leave_waitlist`` waits for its one entry, holding
nothing yet. So no cycle of waits can form: no deadlock.

An offer is tried one entry per transaction: a patient who turns out to be busy (an overlapping
appointment) is skipped and the next tried in a new transaction, so a transaction never holds two
patients' locks (whose order would be the entries', not the patients' ascending ids).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from appointments.models import PATIENT_BUSY_STATUSES, Appointment, AppointmentStatus
from appointments.selectors import get_booking_policy
from appointments.services import cancel_appointment, hold_appointment
from doctors.models import Doctor, Slot, SlotStatus, Specialization
from notifications.services import notify_offered
from patients.models import Patient
from scheduler.constraints import violated_constraint
from scheduler.exceptions import (
    AlreadyWaiting,
    PatientConflict,
    PermissionDenied,
    PolicyViolation,
    SlotUnavailable,
)
from waitlist.models import FINAL_STATUSES, EntryStatus, WaitlistEntry

OVERLAP_CONSTRAINTS = {"waitlist_one_waiting_per_doctor", "waitlist_one_waiting_per_specialization"}
BATCH = 200


def _check_window(start_after: datetime.datetime, start_before: datetime.datetime, now: datetime.datetime) -> None:
    """A window that could be served today: not empty, not over, and within the booking horizon.

    The horizon binds every caller (an admin too): an offer is a hold in the patient's name, bound by the
    policy, so a slot beyond the horizon could never be offered.
    """
    if start_before <= start_after:
        raise ValidationError({"start_before": ["Must be later than start_after."]})
    if start_before <= now:
        raise ValidationError({"start_before": ["The window is in the past."]})
    days = get_booking_policy().booking_horizon_days
    if start_before > now + datetime.timedelta(days=days):
        raise ValidationError(
            {"start_before": [f"The window must end within the booking horizon ({days} days from now)."]}
        )


def _target(doctor_id: int | None, specialization_id: int | None) -> Q:
    if (doctor_id is None) == (specialization_id is None):
        message = "Give exactly one of doctor and specialization."
        raise ValidationError({"doctor": [message], "specialization": [message]})
    if doctor_id is not None:
        if not Doctor.objects.filter(pk=doctor_id, user__is_active=True).exists():
            raise ValidationError({"doctor": ["No such doctor."]})
        return Q(doctor_id=doctor_id)
    assert specialization_id is not None
    if not Specialization.objects.filter(pk=specialization_id).exists():
        raise ValidationError({"specialization": ["No such specialization."]})
    return Q(specialization_id=specialization_id)


@transaction.atomic
def join_waitlist(
    *,
    patient: Patient,
    by: User,
    start_after: datetime.datetime,
    start_before: datetime.datetime,
    doctor_id: int | None = None,
    specialization_id: int | None = None,
) -> WaitlistEntry:
    """Put ``patient`` on the waitlist for a doctor or a specialization (the patient themself, or an admin).

    An overlapping waiting entry of theirs for the same doctor or specialization → ``AlreadyWaiting``; on
    PostgreSQL an exclusion constraint decides between simultaneous joins.
    """
    if not (by.is_admin or patient.user_id == by.pk):
        raise PermissionDenied("Patients put only themselves on the waitlist.")
    target = _target(doctor_id, specialization_id)
    _check_window(start_after, start_before, timezone.now())
    if connection.vendor != "postgresql":  # there the constraint answers, in the same statement
        waiting = WaitlistEntry.objects.filter(target, patient=patient, status=EntryStatus.WAITING)
        if waiting.filter(start_after__lt=start_before, start_before__gt=start_after).exists():
            raise AlreadyWaiting()
    entry = WaitlistEntry(
        patient=patient,
        doctor_id=doctor_id,
        specialization_id=specialization_id,
        start_after=start_after,
        start_before=start_before,
    )
    try:
        entry.save()
    except IntegrityError as exc:
        if violated_constraint(exc) in OVERLAP_CONSTRAINTS:
            raise AlreadyWaiting() from exc
        raise
    return entry


def _offer_outcome(appointment: Appointment, now: datetime.datetime) -> str | None:
    """What an offered entry has become, read from its hold; None while the hold is still open.

    Each answer is final (a confirmed hold stays confirmed for the waitlist; an expired hold cannot be
    confirmed), so the hold needs no lock to be read.
    """
    if appointment.status == AppointmentStatus.PENDING:
        return EntryStatus.EXPIRED if appointment.hold_expired(now) else None
    if appointment.status == AppointmentStatus.CANCELLED:
        # An expiry has no actor; a release (the patient declined, or the clinic) names who did it.
        return EntryStatus.EXPIRED if appointment.cancelled_by_id is None else EntryStatus.CANCELLED
    return EntryStatus.BOOKED


def _settle(offered: QuerySet[WaitlistEntry], now: datetime.datetime) -> int:
    """Write what these offered entries have become (booked, expired, cancelled). Entries another
    transaction holds are skipped: it, or the next sweep, settles them."""
    entries = (
        offered.filter(status=EntryStatus.OFFERED)
        .exclude(appointment__status=AppointmentStatus.PENDING, appointment__hold_expires_at__gt=now)  # still open
        .select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("appointment")
        .order_by("pk")[:BATCH]
    )
    settled = 0
    for entry in entries:
        assert entry.appointment is not None  # a check constraint: an offer has its hold
        outcome = _offer_outcome(entry.appointment, now)
        if outcome is not None:
            entry.status = outcome
            entry.save(update_fields=["status", "updated_at"])
            settled += 1
    return settled


def settle_offer(*, appointment_id: int) -> int:
    """The offer made with this hold is settled (e.g. ``booked`` once the hold is confirmed)."""
    with transaction.atomic():
        return _settle(WaitlistEntry.objects.filter(appointment_id=appointment_id), timezone.now())


def _busy_at(slot: Slot, now: datetime.datetime) -> Exists:
    """The entry's patient has an appointment overlapping the slot (a hold that ran out does not count)."""
    return Exists(
        Appointment.objects.filter(
            patient=OuterRef("patient"), status__in=PATIENT_BUSY_STATUSES, start__lt=slot.end, end__gt=slot.start
        ).exclude(status=AppointmentStatus.PENDING, hold_expires_at__lte=now)
    )


def _matching(slot: Slot) -> Q:
    return Q(status=EntryStatus.WAITING, start_after__lte=slot.start, start_before__gt=slot.start) & (
        Q(doctor_id=slot.doctor_id) | Q(specialization_id=slot.specialization_id)
    )


def _offerable_slot(slot_id: int, now: datetime.datetime) -> Slot | None:
    """The slot, if it is free, of an active doctor, and a patient may hold it now (the booking policy)."""
    slot = Slot.objects.filter(pk=slot_id, status=SlotStatus.FREE, doctor__user__is_active=True).first()
    if slot is None:
        return None
    # The hold would refuse it too, but only after an entry was locked and tried: ask the policy first.
    return None if get_booking_policy().window_refusal(slot.start, now) is not None else slot


# What a try answers: the entry offered, "next" (that patient could not take it: try the next entry), or
# None (the slot cannot be offered: taken, gone, or nobody waits for it).
_NEXT = "next"


def _serialize_offers_of(slot_id: int) -> None:
    """One offer run per slot at a time (a transaction-scoped advisory lock), so that two runs for one slot
    cannot offer it to a younger entry while an older one is locked by the other run. Only offer runs take
    it, as their first lock: it comes first in the order and nothing else ever waits for it. SQLite
    serialises writers anyway."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(f"waitlist.offer:{slot_id}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _try_offer(slot_id: int, skipped: set[int]) -> WaitlistEntry | str | None:
    _serialize_offers_of(slot_id)
    now = timezone.now()
    slot = _offerable_slot(slot_id, now)
    if slot is None:
        return None
    # A lapsed or declined offer of this slot is settled first, so its entry reads what it became.
    _settle(WaitlistEntry.objects.filter(appointment__slot_id=slot_id), now)
    entry = (
        WaitlistEntry.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("patient__user")
        .filter(_matching(slot), patient__user__is_active=True)
        .exclude(pk__in=skipped)
        .exclude(_busy_at(slot, now))
        .order_by("created_at", "pk")
        .first()
    )
    if entry is None:
        return None
    try:
        # In the patient's name and as the patient: the booking policy binds an offer as it binds the patient.
        hold = hold_appointment(patient=entry.patient, slot_id=slot.pk, by=entry.patient.user)
    except PatientConflict:
        skipped.add(entry.pk)  # busy since we looked: the next in line
        return _NEXT
    except (SlotUnavailable, PolicyViolation, ValidationError):
        return None  # taken meanwhile, or no longer holdable by any patient
    entry.status, entry.appointment = EntryStatus.OFFERED, hold
    entry.save(update_fields=["status", "appointment", "updated_at"])
    notify_offered(appointment=hold)
    return entry


def offer_slot(*, slot_id: int) -> WaitlistEntry | None:
    """Offer a free slot to the oldest matching waiting entry whose patient is free then: a hold in the
    patient's name, the entry ``offered``, a ``waitlist_offer`` notification. Returns the entry, or None.

    Safe to run any number of times and in any number of workers: the first that holds the slot wins, the
    others find it held; entries another worker is offering are skipped (SKIP LOCKED).
    """
    skipped: set[int] = set()
    while True:
        with transaction.atomic():
            outcome = _try_offer(slot_id, skipped)
        if outcome != _NEXT:
            return outcome if isinstance(outcome, WaitlistEntry) else None


def slots_with_waiting(slot_ids: Iterable[int]) -> list[int]:
    """Of these slots, the free ones some waiting entry matches, earliest first (one query, no locks)."""
    waiting = WaitlistEntry.objects.filter(
        Q(doctor_id=OuterRef("doctor_id")) | Q(specialization_id=OuterRef("specialization_id")),
        status=EntryStatus.WAITING,
        start_after__lte=OuterRef("start"),
        start_before__gt=OuterRef("start"),
    )
    slots = Slot.objects.filter(Exists(waiting), pk__in=list(slot_ids), status=SlotStatus.FREE)
    return list(slots.order_by("start", "pk").values_list("pk", flat=True))


def offer_slots(*, slot_ids: Iterable[int]) -> int:
    """Offer each of these slots that someone waits for (``offer_slot``); returns how many were offered."""
    return sum(offer_slot(slot_id=slot_id) is not None for slot_id in slots_with_waiting(slot_ids))


@transaction.atomic
def leave_waitlist(*, entry: WaitlistEntry, by: User) -> WaitlistEntry:
    """Cancel a waiting or offered entry (its patient, or an admin); an offered hold is released.

    A finished entry (booked, expired, cancelled) is left as it is: leaving twice is no error.
    """
    now = timezone.now()
    # The entry's lock first (it waits here holding nothing), then cancel_appointment's patient, slot, hold.
    entry = (
        WaitlistEntry.objects.select_for_update(no_key=True, of=("self",))
        .select_related("patient", "appointment")
        .get(pk=entry.pk)
    )
    if not (by.is_admin or entry.patient.user_id == by.pk):
        raise PermissionDenied("Only the entry's patient or an admin can take it off the waitlist.")
    if entry.status in FINAL_STATUSES:
        return entry
    if entry.status == EntryStatus.OFFERED:
        assert entry.appointment is not None
        outcome = _offer_outcome(entry.appointment, now)
        if outcome is not None:  # confirmed, lapsed or released already: that is what it became
            entry.status = outcome
            entry.save(update_fields=["status", "updated_at"])
            return entry
        cancel_appointment(appointment=entry.appointment, by=by, reason="")
    entry.status = EntryStatus.CANCELLED
    entry.save(update_fields=["status", "updated_at"])
    return entry


def _expire_batch(now: datetime.datetime) -> int:
    settled = _settle(WaitlistEntry.objects.all(), now)
    over = (
        WaitlistEntry.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(status=EntryStatus.WAITING, start_before__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    expired = WaitlistEntry.objects.filter(pk__in=list(over)).update(status=EntryStatus.EXPIRED, updated_at=now)
    return settled + expired


def expire_entries(now: datetime.datetime | None = None) -> int:
    """The periodic sweep (once a minute): waiting entries whose window has passed become ``expired``, and
    offers whose hold was confirmed, ran out or was released are settled. Returns how many entries it wrote.

    Safe with any number of runners: each batch is one transaction and skips rows others hold.
    """
    total = 0
    while True:
        with transaction.atomic():
            written = _expire_batch(now or timezone.now())
        if not written:
            return total
        total += written
