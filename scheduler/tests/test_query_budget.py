"""A query budget per hot endpoint: a change that adds a query fails here (and shows up in the benchmark)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def count_queries(call) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code < 400, response.content[:300]
    return len(captured), [q["sql"][:120] for q in captured.captured_queries]


BUDGET = {
    "me": 1,  # the user with both profile ids, in one query
    "slot_search": 2,  # user; the page and its count in one statement
    # user, booking policy (a patient's booking is bound by it), patient lock, slot lock, slot update,
    # appointment, event, and the savepoint pair the test client's transaction adds (BEGIN/COMMIT in
    # production). Without PostgreSQL's exclusion constraint the patient's overlap is one query more.
    # Then, in the same transaction, the confirmation and the reminder: on PostgreSQL both notification
    # rows and their task rows in one statement (notifications.services.queue_notifications); elsewhere a
    # statement per row.
    "book": 10 if connection.vendor == "postgresql" else 14,
    # A hold is a booking that writes the slot held, and sends nothing yet: one statement fewer.
    "hold": 9 if connection.vendor == "postgresql" else 10,
    # user, appointment (visibility), patient lock, current slot id, slot lock, appointment lock, slot
    # update, appointment update, event, and the savepoint pair; then the confirmation and the reminder
    # (as in "book"); and whether the hold was a waitlist offer to settle (one read by the entry's unique
    # appointment id).
    "confirm": 13 if connection.vendor == "postgresql" else 16,
    "own_appointments": 3,
    "doctors": 3,
}


def test_me(patient_client):
    n, sql = count_queries(lambda: patient_client.get("/api/auth/me/"))
    assert n == BUDGET["me"], sql


def test_slot_search(patient_client):
    now = timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    slot = SlotFactory(start=start, end=start + datetime.timedelta(hours=1))
    params = {
        "specialization": slot.specialization_id,
        "status": "free",
        "start_after": now.isoformat(),
        "start_before": (now + datetime.timedelta(days=14)).isoformat(),
    }
    response = patient_client.get("/api/slots/", params)
    assert [s["id"] for s in response.json()["results"]] == [slot.pk]
    n, sql = count_queries(lambda: patient_client.get("/api/slots/", params))
    assert n == BUDGET["slot_search"], sql


def test_booking(patient_client):
    slot = SlotFactory()
    n, sql = count_queries(lambda: patient_client.post("/api/appointments/", {"slot": slot.pk}, format="json"))
    assert n == BUDGET["book"], "\n".join(sql)


def test_hold(patient_client):
    slot = SlotFactory()
    n, sql = count_queries(lambda: patient_client.post("/api/appointments/hold/", {"slot": slot.pk}, format="json"))
    assert n == BUDGET["hold"], "\n".join(sql)


def test_confirm(patient_client, patient):
    slot = SlotFactory()
    held = patient_client.post("/api/appointments/hold/", {"slot": slot.pk}, format="json").json()
    path = f"/api/appointments/{held['id']}/confirm/"
    n, sql = count_queries(lambda: patient_client.post(path, format="json"))
    assert n == BUDGET["confirm"], "\n".join(sql)


def test_own_appointments(patient_client, patient):
    AppointmentFactory.create_batch(3, patient=patient, slot__doctor=SlotFactory().doctor)
    n, sql = count_queries(lambda: patient_client.get("/api/appointments/"))
    assert n == BUDGET["own_appointments"], sql


def test_doctors(patient_client):
    SlotFactory.create_batch(3)
    n, sql = count_queries(lambda: patient_client.get("/api/doctors/"))
    assert n == BUDGET["doctors"], sql
