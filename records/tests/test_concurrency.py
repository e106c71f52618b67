"""Writing a record while the same patient books or cancels: they queue, never deadlock (PostgreSQL)."""

import pytest

from appointments.invariants import invariant_violations
from appointments.tests.factories import AppointmentFactory, past_appointment
from appointments.tests.test_concurrency import answer, bearer, race
from doctors.tests.factories import SlotFactory
from records.models import MedicalRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(5))
def test_record_writing_races_booking_and_cancelling_without_5xx(round_):
    visit = past_appointment()
    patient, doctor = visit.patient, visit.doctor
    upcoming = AppointmentFactory(patient=patient, slot__doctor=doctor)
    free = SlotFactory(
        doctor=doctor,
        start=upcoming.start + (upcoming.end - upcoming.start) * 3,
        end=upcoming.end + (upcoming.end - upcoming.start) * 3,
    )
    as_doctor, as_patient = bearer(doctor.user), bearer(patient.user)
    results = race(
        [
            lambda: answer(
                as_doctor.post("/api/records/", {"appointment": visit.pk, "diagnosis": "Flu"}, format="json")
            ),
            lambda: answer(as_patient.post("/api/appointments/", {"slot": free.pk}, format="json")),
            lambda: answer(as_patient.post(f"/api/appointments/{upcoming.pk}/cancel/", {}, format="json")),
        ]
    )
    assert [status for status, _ in results] == [201, 201, 200], results
    assert MedicalRecord.objects.filter(appointment=visit).count() == 1
    assert set(invariant_violations().values()) == {0}
