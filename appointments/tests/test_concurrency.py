"""Races on PostgreSQL with real threads and processes, each with its own database connection."""

import multiprocessing
import random
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.services import issue_tokens
from appointments.invariants import invariant_violations
from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LIST = "/api/appointments/"


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user=user).access}")
    return client


def race(calls) -> list:
    """Run each zero-argument call in its own thread, all released at once; returns their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def answer(response) -> tuple[int, str | None]:
    body = response.json() if response.content else {}
    return response.status_code, body.get("code") if isinstance(body, dict) else None


def assert_consistent():
    assert invariant_violations() == dict.fromkeys(invariant_violations(), 0)


def test_n_patients_racing_for_one_slot_get_one_201_and_the_rest_409():
    slot = SlotFactory()
    clients = [bearer(PatientFactory().user) for _ in range(16)]
    results = race([lambda c=c: answer(c.post(LIST, {"slot": slot.pk}, format="json")) for c in clients])
    assert Counter(results) == {(201, None): 1, (409, "slot_unavailable"): 15}
    assert Appointment.objects.filter(slot=slot).count() == 1
    assert_consistent()


def test_one_patient_racing_for_same_hour_slots_of_different_doctors_gets_one():
    first = SlotFactory()
    slots = [first] + [SlotFactory(doctor=DoctorFactory(), start=first.start, end=first.end) for _ in range(7)]
    client = bearer(PatientFactory().user)
    results = race([lambda s=s: answer(client.post(LIST, {"slot": s.pk}, format="json")) for s in slots])
    assert Counter(results) == {(201, None): 1, (409, "patient_conflict"): 7}
    assert Appointment.objects.count() == 1
    assert_consistent()


def test_concurrent_retries_with_one_idempotency_key_book_once():
    slot = SlotFactory()
    client = bearer(PatientFactory().user)
    results = race(
        [lambda: client.post(LIST, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1").status_code] * 6
    )
    assert results.count(201) >= 1
    assert set(results) <= {201, 409}
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("seed", range(4))
def test_concurrent_book_cancel_and_reschedule_keep_the_invariants(seed):
    doctor = DoctorFactory()
    slots = [SlotFactory(doctor=doctor) for _ in range(6)]
    patients = [PatientFactory() for _ in range(6)]
    booked = [AppointmentFactory(patient=patients[i], slot=slots[i]) for i in range(3)]
    for slot in slots[:3]:
        slot.refresh_from_db()
    clients = {p.pk: bearer(p.user) for p in patients}
    rng = random.Random(seed)
    calls = []
    for appointment in booked:
        c = clients[appointment.patient_id]
        calls.append(lambda c=c, a=appointment: answer(c.post(f"{LIST}{a.pk}/cancel/", {}, format="json")))
        target = rng.choice(slots).pk
        calls.append(
            lambda c=c, a=appointment, t=target: answer(c.post(f"{LIST}{a.pk}/reschedule/", {"slot": t}, format="json"))
        )
    for patient in patients:
        target = rng.choice(slots).pk
        calls.append(lambda c=clients[patient.pk], t=target: answer(c.post(LIST, {"slot": t}, format="json")))
    results = race(calls)
    assert all(status < 500 for status, _ in results), results
    assert {code for status, code in results if status == 409} <= {
        "slot_unavailable",
        "patient_conflict",
        "invalid_transition",
    }
    assert_consistent()


def _book_in_child(slot_id: int, user_id: int, queue) -> None:
    """Runs in a forked process: its own interpreter state and its own database connection."""
    from accounts.models import User

    try:
        client = bearer(User.objects.get(pk=user_id))
        queue.put(answer(client.post(LIST, {"slot": slot_id}, format="json")))
    finally:
        connections.close_all()


def test_several_processes_racing_for_one_slot_book_it_once():
    slot = SlotFactory()
    users = [PatientFactory().user for _ in range(6)]
    connections.close_all()  # children must not share the parent's connection
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    processes = [ctx.Process(target=_book_in_child, args=(slot.pk, u.pk, queue)) for u in users]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=60)
    results = [queue.get(timeout=5) for _ in processes]
    assert Counter(results) == {(201, None): 1, (409, "slot_unavailable"): 5}
    assert Appointment.objects.filter(slot=slot).count() == 1
    assert_consistent()
