"""A deactivated doctor's slots are withdrawn, and none of theirs can be booked or published afterwards."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import deactivate_user
from accounts.tests.factories import UserFactory
from appointments.models import Appointment, AppointmentStatus
from appointments.services import cancel_appointment
from appointments.tests.factories import AppointmentFactory
from doctors import services
from doctors.models import Doctor, Slot, SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory
from scheduler.exceptions import NotFound


@pytest.mark.django_db
def test_deactivating_a_doctor_withdraws_free_future_slots_and_keeps_the_rest():
    doctor = DoctorFactory()
    free = SlotFactory(doctor=doctor)
    booked = AppointmentFactory(slot__doctor=doctor).slot
    started = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=3)
    past = SlotFactory(doctor=doctor, start=started, end=started + datetime.timedelta(hours=1))
    others = SlotFactory()

    deactivate_user(user=doctor.user)

    assert not Slot.objects.filter(pk=free.pk).exists()
    assert set(Slot.objects.filter(doctor=doctor).values_list("pk", flat=True)) == {booked.pk, past.pk}
    assert Slot.objects.get(pk=others.pk).status == SlotStatus.FREE


@pytest.mark.django_db
def test_a_deactivated_doctors_slot_cannot_be_booked(client_for):
    slot = SlotFactory()
    deactivate_user(user=slot.doctor.user)
    response = client_for(PatientFactory().user).post("/api/appointments/", {"slot": slot.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"


def free_slot_ids(client) -> set[int]:
    body = client.get("/api/slots/", {"status": "free", "limit": 100}).json()
    return {slot["id"] for slot in body["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize("leave", ["cancel", "reschedule"])
def test_a_slot_freed_after_the_deactivation_is_withdrawn_not_offered(leave, client_for):
    """Deactivation keeps booked slots; an appointment leaving one later deletes it instead of freeing it.

    Search does not read the doctor's account (it stays an index-only scan), so a freed slot of an
    inactive doctor would be offered there and refused by booking.
    """
    appointment = AppointmentFactory()
    elsewhere = SlotFactory()
    deactivate_user(user=appointment.doctor.user)
    admin = client_for(UserFactory(role=Role.ADMIN, is_staff=True))
    url = f"/api/appointments/{appointment.pk}/{leave}/"
    response = admin.post(url, {"slot": elsewhere.pk} if leave == "reschedule" else {}, format="json")
    assert response.status_code == 200, response.json()
    patient = client_for(PatientFactory().user)
    assert appointment.slot_id not in free_slot_ids(patient)
    assert not Slot.objects.filter(pk=appointment.slot_id).exists()
    response = patient.post("/api/appointments/", {"slot": appointment.slot_id}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "slot_unavailable")
    appointment.refresh_from_db()
    assert appointment.slot_id == (elsewhere.pk if leave == "reschedule" else None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deactivation_waits_for_a_cancellation_in_progress_and_withdraws_the_slot_it_frees():
    appointment = AppointmentFactory()
    locked, release = threading.Event(), threading.Event()

    def cancellation_in_progress():  # holds the booked slot's lock, then frees it (as cancel does)
        try:
            with transaction.atomic():
                Slot.objects.select_for_update(no_key=True).filter(pk=appointment.slot_id).values_list("pk").first()
                locked.set()
                release.wait(timeout=10)
                Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
                Slot.objects.filter(pk=appointment.slot_id).update(status=SlotStatus.FREE)
        finally:
            connection.close()

    holder = threading.Thread(target=cancellation_in_progress)
    holder.start()
    assert locked.wait(timeout=10)
    deactivation = threading.Thread(target=lambda: (deactivate_user(user=appointment.doctor.user), connection.close()))
    deactivation.start()
    deactivation.join(timeout=0.5)
    assert deactivation.is_alive(), "the withdrawal must wait for the booked slot's lock too"
    release.set()
    holder.join(timeout=10)
    deactivation.join(timeout=10)
    assert not Slot.objects.filter(pk=appointment.slot_id).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_waiting_on_the_slot_lock_sees_a_deactivation_committed_meanwhile():
    """The account is read after the slot's lock is granted: the locking statement's join is older."""
    appointment = AppointmentFactory()
    admin = UserFactory(role=Role.ADMIN)
    locked, release = threading.Event(), threading.Event()
    outcome: list = []

    def holder():
        try:
            with transaction.atomic():
                Slot.objects.select_for_update(no_key=True).filter(pk=appointment.slot_id).values_list("pk").first()
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def cancel():
        try:
            outcome.append(cancel_appointment(appointment=appointment, by=admin).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert locked.wait(timeout=10)
    threads.append(threading.Thread(target=cancel))
    threads[1].start()
    threads[1].join(timeout=0.5)
    assert threads[1].is_alive(), "the cancellation must wait for the slot lock"
    User.objects.filter(pk=appointment.doctor.user_id).update(is_active=False)  # committed (autocommit)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert outcome == ["cancelled"]
    assert not Slot.objects.filter(pk=appointment.slot_id).exists()


@pytest.mark.django_db
def test_a_publication_that_waited_for_a_deactivation_creates_nothing():
    doctor = DoctorFactory()
    stale = Doctor.objects.get(pk=doctor.pk)  # read while active, as the view's copy would be
    deactivate_user(user=doctor.user)
    start = (timezone.now() + datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    with pytest.raises(NotFound):
        services.publish_availability(
            doctor=stale, by=doctor.user, start=start, end=start + datetime.timedelta(hours=2)
        )
    assert not Slot.objects.filter(doctor=doctor).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_publication_waiting_on_the_doctor_lock_sees_a_deactivation_committed_meanwhile():
    """The account is read after the lock is granted: the locking statement's own snapshot is older."""
    doctor = DoctorFactory()
    start = (timezone.now() + datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    locked, release = threading.Event(), threading.Event()
    outcome: list = []

    def holder():  # e.g. a profile update holding the doctor row
        try:
            with transaction.atomic():
                Doctor.objects.select_for_update(no_key=True).filter(pk=doctor.pk).values_list("pk").first()
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def publish():
        try:
            services.publish_availability(
                doctor=doctor, by=doctor.user, start=start, end=start + datetime.timedelta(hours=2)
            )
            outcome.append("published")
        except NotFound:
            outcome.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert locked.wait(timeout=10)
    threads.append(threading.Thread(target=publish))
    threads[1].start()
    threads[1].join(timeout=0.5)
    assert threads[1].is_alive(), "the publication must wait for the doctor lock"
    deactivate_user(user=doctor.user)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert outcome == ["refused"]
    assert not Slot.objects.filter(doctor=doctor).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slot_locked_by_a_booking_in_progress_is_still_withdrawn_if_not_booked():
    """A booking attempt holds the slot's lock while the doctor is deactivated, then gives up.

    Skipping locked rows (as an earlier version did) would leave that slot free for an inactive doctor.
    """
    slot = SlotFactory()
    locked, release = threading.Event(), threading.Event()

    def booking_that_gives_up():
        try:
            with transaction.atomic():
                Slot.objects.select_for_update(no_key=True).filter(pk=slot.pk).values_list("pk").first()
                locked.set()
                release.wait(timeout=10)
                transaction.set_rollback(True)
        finally:
            connection.close()

    holder = threading.Thread(target=booking_that_gives_up)
    holder.start()
    assert locked.wait(timeout=10)
    deactivation = threading.Thread(target=lambda: (deactivate_user(user=slot.doctor.user), connection.close()))
    deactivation.start()
    deactivation.join(timeout=0.5)
    assert deactivation.is_alive(), "the withdrawal must wait for the lock, not skip the slot"
    release.set()
    holder.join(timeout=10)
    deactivation.join(timeout=10)
    assert not deactivation.is_alive()
    assert not Slot.objects.filter(pk=slot.pk).exists()
