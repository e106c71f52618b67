"""Holds racing over HTTP on PostgreSQL: real threads, each request with its own database connection."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from appointments.tests.test_concurrency import answer, assert_consistent, bearer, race
from doctors.tests.factories import SlotFactory
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LIST = "/api/appointments/"
HOLD = "/api/appointments/hold/"


def post(client, path, body=None, **headers):
    return lambda: answer(client.post(path, body, format="json", **headers))


def test_n_patients_holding_one_slot_get_one_201_and_the_rest_409():
    slot = SlotFactory()
    clients = [bearer(PatientFactory().user) for _ in range(10)]
    results = race([post(c, HOLD, {"slot": slot.pk}) for c in clients])
    assert Counter(results) == {(201, None): 1, (409, "slot_unavailable"): 9}
    assert Appointment.objects.get(slot=slot).status == AppointmentStatus.PENDING
    assert_consistent()


def test_holds_racing_bookings_for_one_slot_give_one_winner():
    slot = SlotFactory()
    paths = [HOLD, LIST] * 4
    results = race([post(bearer(PatientFactory().user), path, {"slot": slot.pk}) for path in paths])
    assert Counter(code for code, _ in results) == {201: 1, 409: 7}
    assert {code for status, code in results if status == 409} == {"slot_unavailable"}
    assert Appointment.objects.filter(slot=slot).count() == 1
    assert_consistent()


def test_two_confirms_make_one_transition():
    hold = AppointmentFactory(status=AppointmentStatus.PENDING)
    client = bearer(hold.patient.user)
    path = f"/api/appointments/{hold.pk}/confirm/"
    assert race([post(client, path), post(client, path)]) == [(200, None), (200, None)]
    assert AppointmentEvent.objects.filter(appointment=hold, action="confirmed").count() == 1
    assert_consistent()


@pytest.mark.parametrize("attempt", range(3))
def test_a_confirm_racing_the_expiry_and_a_rival_hold_is_one_or_the_other(attempt):
    """The hold runs out as the requests arrive: either it is confirmed and the rival refused, or it expired
    and the rival holds the slot; never both."""
    hold = AppointmentFactory(status=AppointmentStatus.PENDING)
    Appointment.objects.filter(pk=hold.pk).update(
        hold_expires_at=timezone.now() + datetime.timedelta(milliseconds=40 * attempt)
    )
    confirm = post(bearer(hold.patient.user), f"/api/appointments/{hold.pk}/confirm/")
    rival = post(bearer(PatientFactory().user), HOLD, {"slot": hold.slot_id})
    outcome = race([confirm, rival])
    assert outcome in ([(200, None), (409, "slot_unavailable")], [(409, "hold_expired"), (201, None)]), outcome
    assert Appointment.objects.filter(slot=hold.slot_id).exclude(status=AppointmentStatus.CANCELLED).count() == 1
    assert_consistent()


@pytest.mark.parametrize(
    ("path", "body"),
    [(HOLD, "slot"), ("confirm", None), ("cancel", {"reason": "Better"}), ("reschedule", "new slot")],
)
def test_concurrent_retries_with_one_key_act_once(path, body):
    patient = PatientFactory()
    client = bearer(patient.user)
    slot, new_slot = SlotFactory(), SlotFactory()
    status = AppointmentStatus.PENDING if path in ("confirm", "cancel") else AppointmentStatus.SCHEDULED
    mine = AppointmentFactory(patient=patient, status=status)
    if path != HOLD:
        path = f"/api/appointments/{mine.pk}/{path}/"
    body = {"slot": slot.pk} if body == "slot" else {"slot": new_slot.pk} if body == "new slot" else body
    events = AppointmentEvent.objects.count()
    results = race([post(client, path, body, HTTP_IDEMPOTENCY_KEY="retry-1")] * 5)
    assert {status for status, _ in results} <= {200, 201, 409}
    assert {code for status, code in results if status == 409} <= {"idempotency_key_in_progress"}
    assert any(status in (200, 201) for status, _ in results)
    assert AppointmentEvent.objects.count() == events + 1  # acted once
    assert_consistent()
