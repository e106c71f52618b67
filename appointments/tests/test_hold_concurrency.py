"""Holds racing on PostgreSQL with real threads, each with its own connection: one winner, never both."""

import datetime
import random
import time
from collections import Counter

import pytest
from django.utils import timezone

from appointments import services
from appointments.models import Appointment, AppointmentEvent
from appointments.tests.test_concurrency import assert_consistent, race
from doctors.tests.factories import SlotFactory
from patients.tests.factories import PatientFactory
from scheduler.exceptions import ApplicationError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def outcome(call):
    """The call's result, or the code of the domain error it raised."""

    def run():
        try:
            call()
        except ApplicationError as exc:
            return exc.code
        return "ok"

    return run


def test_n_patients_holding_one_slot_get_one_hold():
    slot = SlotFactory()
    patients = [PatientFactory() for _ in range(12)]
    calls = [lambda p=p: services.hold_appointment(patient=p, slot_id=slot.pk, by=p.user) for p in patients]
    assert Counter(race([outcome(c) for c in calls])) == {"ok": 1, "slot_unavailable": 11}
    assert Appointment.objects.filter(slot=slot).count() == 1
    assert_consistent()


def test_holds_racing_bookings_for_one_slot_give_one_winner():
    slot = SlotFactory()
    patients = [PatientFactory() for _ in range(8)]
    commands = [services.hold_appointment, services.book_appointment] * 4
    calls = [lambda p=p, c=c: c(patient=p, slot_id=slot.pk, by=p.user) for p, c in zip(patients, commands, strict=True)]
    assert Counter(race([outcome(c) for c in calls])) == {"ok": 1, "slot_unavailable": 7}
    assert_consistent()


def test_two_confirms_make_one_transition():
    slot, patient = SlotFactory(), PatientFactory()
    held = services.hold_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
    results = race([outcome(lambda: services.confirm_appointment(appointment=held, by=patient.user))] * 2)
    assert results == ["ok", "ok"]
    assert AppointmentEvent.objects.filter(appointment=held, action="confirmed").count() == 1
    assert_consistent()


def one_round_at_the_edge(rival: str) -> tuple[str, str, str, set[str]]:
    """Hold a slot, then at its expiry confirm it and, at once, book it as someone else (or sweep)."""
    slot, patient, other = SlotFactory(), PatientFactory(), PatientFactory()
    held = services.hold_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
    edge = timezone.now() + datetime.timedelta(milliseconds=150)
    Appointment.objects.filter(pk=held.pk).update(hold_expires_at=edge)

    def at_edge(call):
        def run():
            time.sleep(max(0.0, (edge - timezone.now()).total_seconds()) + random.uniform(-0.01, 0.01))
            return call()

        return run

    confirm = outcome(lambda: services.confirm_appointment(appointment=held, by=patient.user))
    if rival == "book":
        other_call = outcome(lambda: services.book_appointment(patient=other, slot_id=slot.pk, by=other.user))
    else:
        other_call = outcome(services.expire_holds)
    confirmed, rival_result = race([at_edge(confirm), at_edge(other_call)])
    events = set(AppointmentEvent.objects.filter(appointment=held).values_list("action", flat=True))
    return confirmed, rival_result, Appointment.objects.get(pk=held.pk).status, events


@pytest.mark.parametrize("rival", ["book", "sweep"])
def test_a_confirm_racing_the_expiry_is_confirmed_or_expired_never_both(rival):
    """The confirm and the rival booking (or the sweep) decide under the same locks, whichever comes
    first; a booking that comes a moment before the edge finds the slot still held."""
    seen = Counter()
    for _ in range(12):
        confirmed, rival_result, status, events = one_round_at_the_edge(rival)
        assert not {"confirmed", "expired"} <= events
        if confirmed == "ok":
            assert (status, events) == ("scheduled", {"held", "confirmed"})
            assert rival_result in (("slot_unavailable",) if rival == "book" else ("ok",))
        else:
            assert confirmed == "hold_expired"
            if rival_result == "ok" and rival == "book":
                assert (status, events) == ("cancelled", {"held", "expired"})
            else:  # not written yet (the booking came early) or swept: it reads cancelled either way
                assert status in ("pending", "cancelled")
        seen[confirmed, rival_result] += 1
        assert_consistent()
    print(dict(seen))


def test_several_sweepers_end_each_expired_hold_once():
    holds = []
    for _ in range(30):
        patient = PatientFactory()
        holds.append(services.hold_appointment(patient=patient, slot_id=SlotFactory().pk, by=patient.user))
    Appointment.objects.filter(pk__in=[h.pk for h in holds]).update(hold_expires_at=timezone.now())
    results = race([lambda: services.expire_holds(batch_size=4) for _ in range(4)])
    assert sum(results) + services.expire_holds() == 30
    assert AppointmentEvent.objects.filter(action="expired").count() == 30
    assert not Appointment.objects.filter(status="pending").exists()
    assert_consistent()
