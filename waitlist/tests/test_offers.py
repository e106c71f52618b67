"""Offers on the real queue: a freed slot goes to the oldest matching entry whose patient is free, as a hold;
confirmed → booked; run out → expired, and the slot passes to the next in line."""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appointments.models import AppointmentStatus
from appointments.services import (
    cancel_appointment,
    confirm_appointment,
    expire_holds,
    hold_appointment,
    reschedule_appointment,
    update_booking_policy,
)
from appointments.tests.factories import AppointmentFactory
from doctors.models import SlotStatus
from doctors.services import publish_availability
from doctors.tests.factories import DoctorFactory
from notifications.models import Notification
from patients.tests.factories import PatientFactory
from waitlist.models import EntryStatus
from waitlist.services import expire_entries, leave_waitlist
from waitlist.tests.factories import WaitlistEntryFactory, booking_soon, soon_slot
from waitlist.tests.worker import run_worker

# The worker runs its own transactions after the commit, as in production: no test-wide transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def waitlist_tasks():
    return DBTaskResult.objects.filter(task_path__startswith="waitlist.")


def free(appointment):
    """Cancel a booking (its patient), which frees its slot and enqueues the offer."""
    return cancel_appointment(appointment=appointment, by=appointment.patient.user)


def test_a_freed_slot_is_offered_to_the_oldest_waiting_entry_as_a_hold():
    booked = booking_soon()
    first = WaitlistEntryFactory(doctor=booked.doctor)
    second = WaitlistEntryFactory(doctor=booked.doctor)
    free(booked)
    run_worker()
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == (EntryStatus.OFFERED, EntryStatus.WAITING)
    hold = first.appointment
    assert (hold.patient_id, hold.slot_id, hold.status) == (first.patient_id, booked.slot_id, AppointmentStatus.PENDING)
    assert hold.slot.status == SlotStatus.HELD
    assert second.appointment is None
    offer = Notification.objects.get(kind="waitlist_offer")
    assert (offer.appointment_id, offer.recipient_id) == (hold.pk, first.patient.user_id)


def test_the_specialization_and_the_window_decide_what_matches():
    booked = booking_soon()
    slot = booked.slot
    other_doctor = WaitlistEntryFactory(doctor=DoctorFactory())
    too_late = WaitlistEntryFactory(doctor=booked.doctor, start_after=slot.start + datetime.timedelta(minutes=1))
    too_early = WaitlistEntryFactory(doctor=booked.doctor, start_before=slot.start)
    by_specialization = WaitlistEntryFactory(doctor=None, specialization=slot.specialization)
    free(booked)
    run_worker()
    for entry in (other_doctor, too_late, too_early, by_specialization):
        entry.refresh_from_db()
    assert [e.status for e in (other_doctor, too_late, too_early)] == ["waiting"] * 3
    assert by_specialization.status == EntryStatus.OFFERED


def test_a_patient_with_an_overlapping_appointment_is_skipped():
    booked = booking_soon()
    busy = WaitlistEntryFactory(doctor=booked.doctor)
    AppointmentFactory(
        patient=busy.patient, slot__start=booked.start, slot__end=booked.end
    )  # another doctor, the same hour
    free_one = WaitlistEntryFactory(doctor=booked.doctor)
    free(booked)
    run_worker()
    busy.refresh_from_db(), free_one.refresh_from_db()
    assert (busy.status, free_one.status) == (EntryStatus.WAITING, EntryStatus.OFFERED)


def test_confirming_the_offer_makes_the_entry_booked():
    booked = booking_soon()
    entry = WaitlistEntryFactory(doctor=booked.doctor)
    free(booked)
    run_worker()
    entry.refresh_from_db()
    confirm_appointment(appointment=entry.appointment, by=entry.patient.user)
    run_worker()
    entry.refresh_from_db()
    assert (entry.status, entry.appointment.status) == (EntryStatus.BOOKED, AppointmentStatus.SCHEDULED)


def test_an_offer_that_runs_out_passes_to_the_next_in_line():
    booked = booking_soon()
    first = WaitlistEntryFactory(doctor=booked.doctor)
    second = WaitlistEntryFactory(doctor=booked.doctor)
    free(booked)
    run_worker()
    first.refresh_from_db()
    with time_machine.travel(first.appointment.hold_expires_at + datetime.timedelta(seconds=1), tick=False):
        assert expire_holds() == 1  # the sweep ends the hold, which frees the slot
        run_worker()
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == EntryStatus.EXPIRED
    assert first.appointment.status == AppointmentStatus.CANCELLED
    assert second.status == EntryStatus.OFFERED
    assert second.appointment.slot_id == booked.slot_id
    assert second.appointment.status == AppointmentStatus.PENDING


def test_leaving_with_an_offer_releases_the_hold_to_the_next_in_line():
    booked = booking_soon()
    first = WaitlistEntryFactory(doctor=booked.doctor)
    second = WaitlistEntryFactory(doctor=booked.doctor)
    free(booked)
    run_worker()
    first.refresh_from_db()
    leave_waitlist(entry=first, by=first.patient.user)
    run_worker()
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, first.appointment.status) == (EntryStatus.CANCELLED, AppointmentStatus.CANCELLED)
    assert second.status == EntryStatus.OFFERED


def test_a_reschedule_frees_the_old_slot_for_the_list():
    booked = booking_soon()
    entry = WaitlistEntryFactory(doctor=booked.doctor)
    new_slot = soon_slot(doctor=booked.doctor)
    reschedule_appointment(appointment=booked, new_slot_id=new_slot.pk, by=booked.patient.user)
    run_worker()
    entry.refresh_from_db()
    assert (entry.status, entry.appointment.slot_id) == (EntryStatus.OFFERED, booked.slot_id)


def test_newly_published_hours_serve_waiting_entries(admin_user):
    doctor = DoctorFactory()
    start = (timezone.now() + datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    entry = WaitlistEntryFactory(doctor=doctor, start_after=start, start_before=start + datetime.timedelta(days=1))
    publish_availability(doctor=doctor, by=admin_user, start=start, end=start + datetime.timedelta(hours=3))
    run_worker()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.OFFERED
    assert entry.appointment.start == start  # the earliest published slot


def test_a_rolled_back_cancellation_offers_nothing():
    booked = booking_soon()
    entry = WaitlistEntryFactory(doctor=booked.doctor)
    with pytest.raises(RuntimeError), transaction.atomic():
        free(booked)
        assert waitlist_tasks().count() == 1  # enqueued in the cancellation's transaction
        raise RuntimeError("the request failed after the cancellation")
    assert not DBTaskResult.objects.exists()
    run_worker()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING


def test_nobody_waiting_enqueues_nothing():
    free(booking_soon())
    assert not waitlist_tasks().exists()


def test_an_offer_is_bound_by_the_minimum_notice(admin_user):
    start = (timezone.now() + datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    booked = AppointmentFactory(slot__start=start, slot__end=start + datetime.timedelta(hours=1))
    entry = WaitlistEntryFactory(doctor=booked.doctor)
    update_booking_policy(by=admin_user, min_notice_minutes=3 * 24 * 60)
    free(booked)
    run_worker()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING
    assert booked.slot.__class__.objects.get(pk=booked.slot_id).status == SlotStatus.FREE


def test_one_freed_slot_is_offered_to_one_patient_at_a_time():
    booked = booking_soon()
    entries = [WaitlistEntryFactory(doctor=booked.doctor) for _ in range(3)]
    free(booked)
    run_worker()
    run_worker()
    statuses = sorted(e.status for e in type(entries[0]).objects.all())
    assert statuses == ["offered", "waiting", "waiting"]


def test_the_sweep_expires_entries_whose_window_passed_and_settles_offers():
    over = WaitlistEntryFactory()
    current = WaitlistEntryFactory()
    over_now = over.start_before + datetime.timedelta(seconds=1)
    other = PatientFactory()
    hold = hold_appointment(patient=other, slot_id=soon_slot().pk, by=other.user)
    offered = WaitlistEntryFactory(patient=other, status=EntryStatus.OFFERED, appointment=hold)
    confirm_appointment(appointment=hold, by=other.user)  # its settle task is not run: the sweep does it
    assert expire_entries(now=over.start_before - datetime.timedelta(days=1)) == 1
    offered.refresh_from_db()
    assert offered.status == EntryStatus.BOOKED
    assert expire_entries(now=over_now) == 2  # the window of `over` and of `current` (same factory window)
    over.refresh_from_db(), current.refresh_from_db()
    assert (over.status, current.status) == (EntryStatus.EXPIRED, EntryStatus.EXPIRED)
    assert expire_entries(now=over_now) == 0
