"""The waitlist under concurrency on PostgreSQL: two slots freed at once, three waiting patients, two real
workers (threads, each with its own connection) on the real queue."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from appointments.models import Appointment, AppointmentStatus
from appointments.services import cancel_appointment, expire_holds
from doctors.tests.factories import DoctorFactory
from waitlist.models import WaitlistEntry
from waitlist.services import offer_slot
from waitlist.tests.factories import WaitlistEntryFactory, booking_soon
from waitlist.tests.worker import run_worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(*calls) -> None:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def assert_every_task_succeeded() -> None:
    assert set(DBTaskResult.objects.values_list("status", flat=True)) <= {"SUCCESSFUL"}


def statuses(entries) -> list[str]:
    return [WaitlistEntry.objects.get(pk=e.pk).status for e in entries]


def assert_one_live_appointment_per_slot(*slot_ids) -> None:
    for slot_id in slot_ids:
        live = Appointment.objects.filter(slot_id=slot_id).exclude(status=AppointmentStatus.CANCELLED)
        assert live.count() <= 1


@pytest.mark.parametrize("round_", range(3))
def test_two_freed_slots_three_waiting_two_workers_then_the_pass_on_at_expiry(round_):
    doctor = DoctorFactory()
    first, second = booking_soon(slot__doctor=doctor), booking_soon(slot__doctor=doctor)
    entries = [WaitlistEntryFactory(doctor=doctor) for _ in range(3)]  # created in this order: first come...

    with transaction.atomic():  # both freed at once: one commit, two offer tasks
        for booked in (first, second):
            cancel_appointment(appointment=booked, by=booked.patient.user)
    assert DBTaskResult.objects.filter(task_path__startswith="waitlist.").count() == 2
    in_parallel(run_worker, run_worker)

    assert_every_task_succeeded()
    assert statuses(entries) == ["offered", "offered", "waiting"]  # the two oldest, one slot each
    offered = [WaitlistEntry.objects.get(pk=e.pk) for e in entries[:2]]
    assert {e.appointment.slot_id for e in offered} == {first.slot_id, second.slot_id}
    assert_one_live_appointment_per_slot(first.slot_id, second.slot_id)

    # Both offers run out at once: the sweep frees both slots; the third in line gets one, the other stays free.
    expiry = max(e.appointment.hold_expires_at for e in offered) + datetime.timedelta(seconds=1)
    with time_machine.travel(expiry, tick=False):
        assert expire_holds() == 2
        in_parallel(run_worker, run_worker)
    assert_every_task_succeeded()
    assert statuses(entries) == ["expired", "expired", "offered"]
    third = WaitlistEntry.objects.get(pk=entries[2].pk)
    assert third.appointment.slot_id in {first.slot_id, second.slot_id}
    assert_one_live_appointment_per_slot(first.slot_id, second.slot_id)


@pytest.mark.parametrize("round_", range(3))
def test_many_offer_runs_for_one_slot_offer_it_once_to_the_oldest(round_):
    booked = booking_soon()
    entries = [WaitlistEntryFactory(doctor=booked.doctor) for _ in range(4)]
    cancel_appointment(appointment=booked, by=booked.patient.user)
    in_parallel(*[lambda: offer_slot(slot_id=booked.slot_id)] * 4)
    assert sorted(statuses(entries)) == ["offered", "waiting", "waiting", "waiting"]
    assert statuses(entries)[0] == "offered"
    assert_one_live_appointment_per_slot(booked.slot_id)
