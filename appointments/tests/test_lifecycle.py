"""A visit with a medical record happened: no no-show, no move; and no record for a no-show (API.md)."""

import pytest

from appointments.models import Appointment, AppointmentStatus
from appointments.tests.factories import past_appointment
from doctors.tests.factories import SlotFactory
from records import services as records
from records.models import MedicalRecord

pytestmark = pytest.mark.django_db


def detail(appointment, action: str) -> str:
    return f"/api/appointments/{appointment.pk}/{action}/"


@pytest.fixture
def visit_with_record(patient, doctor):
    visit = past_appointment(patient=patient, slot__doctor=doctor)
    records.create_record(appointment_id=visit.pk, by=doctor.user, ip=None, diagnosis="Migraine")
    return visit


@pytest.mark.parametrize("who", ["doctor_client", "admin_client"])
def test_a_visit_with_a_record_cannot_be_marked_no_show(request, visit_with_record, who):
    response = request.getfixturevalue(who).post(detail(visit_with_record, "no-show"), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert Appointment.objects.get(pk=visit_with_record.pk).status == AppointmentStatus.SCHEDULED


def test_a_visit_with_a_record_can_still_be_completed(doctor_client, visit_with_record):
    response = doctor_client.post(detail(visit_with_record, "complete"), format="json")
    assert (response.status_code, response.json()["status"]) == (200, "completed")


def test_a_no_show_cannot_get_a_record(doctor_client, doctor):
    visit = past_appointment(slot__doctor=doctor)
    assert doctor_client.post(detail(visit, "no-show"), format="json").status_code == 200
    response = doctor_client.post("/api/records/", {"appointment": visit.pk, "diagnosis": "X"}, format="json")
    assert response.status_code == 400
    assert "no_show appointment cannot have a medical record" in str(response.json())
    assert not MedicalRecord.objects.exists()


def test_a_completed_visit_gets_its_record(doctor_client, doctor):
    visit = past_appointment(slot__doctor=doctor, status=AppointmentStatus.COMPLETED)
    response = doctor_client.post("/api/records/", {"appointment": visit.pk, "diagnosis": "X"}, format="json")
    assert response.status_code == 201


def test_an_admin_cannot_move_a_visit_with_a_record_to_another_doctor(admin_client, visit_with_record):
    elsewhere = SlotFactory()  # another doctor's free slot
    response = admin_client.post(detail(visit_with_record, "reschedule"), {"slot": elsewhere.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    moved = Appointment.objects.get(pk=visit_with_record.pk)
    assert (moved.slot_id, moved.doctor_id) == (visit_with_record.slot_id, visit_with_record.doctor_id)
    record = MedicalRecord.objects.get(appointment=visit_with_record)
    assert record.doctor_id == moved.doctor_id
