"""A visit with a medical record happened: no no-show, no move; and no record for a no-show (API.md)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment, AppointmentStatus
from appointments.services import mark_no_show
from appointments.tests.factories import past_appointment
from doctors.tests.factories import SlotFactory
from records import services as records
from records.models import MedicalRecord
from scheduler.exceptions import InvalidTransition

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


@pytest.mark.postgres
class TestTheDatabase:
    """Triggers refuse the same to any writer that skips the services (records migration 0004)."""

    @pytest.mark.parametrize("status", [AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED])
    def test_no_record_for_a_visit_that_did_not_happen(self, doctor, status):
        slot_status = "free" if status == AppointmentStatus.CANCELLED else "booked"
        visit = past_appointment(slot__doctor=doctor, status=status, slot__status=slot_status)
        with pytest.raises(IntegrityError, match="cannot have a medical record"), transaction.atomic():
            MedicalRecord.objects.create(
                appointment=visit, patient=visit.patient, doctor=doctor, author=doctor.user, diagnosis="X"
            )

    @pytest.mark.parametrize(
        "change",
        [{"status": "no_show"}, {"status": "cancelled"}, {"start": "2020-01-01T00:00:00Z"}, {"doctor": "other"}],
        ids=["no_show", "cancelled", "start", "doctor"],
    )
    def test_a_visit_with_a_record_stays_as_it_happened(self, visit_with_record, other_doctor, change):
        if change.get("doctor") == "other":
            change = {"doctor": other_doctor}
        with pytest.raises(IntegrityError, match="has a medical record"), transaction.atomic():
            Appointment.objects.filter(pk=visit_with_record.pk).update(**change)

    def test_completing_a_visit_with_a_record_is_allowed(self, visit_with_record):
        Appointment.objects.filter(pk=visit_with_record.pk).update(status=AppointmentStatus.COMPLETED)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", range(5))
def test_a_no_show_and_a_record_racing_for_one_visit_never_both_succeed(seed):
    visit = past_appointment()
    doctor_user = visit.doctor.user
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def run(name, call):
        try:
            barrier.wait()
            call()
            outcome[name] = "done"
        except (InvalidTransition, ValidationError):
            outcome[name] = "refused"
        finally:
            connection.close()

    calls = {
        "no_show": lambda: mark_no_show(appointment=visit, by=doctor_user),
        "record": lambda: records.create_record(appointment_id=visit.pk, by=doctor_user, ip=None, diagnosis="X"),
    }
    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcome.values()) == ["done", "refused"], outcome
    status = Appointment.objects.get(pk=visit.pk).status
    assert (status == AppointmentStatus.NO_SHOW) != MedicalRecord.objects.filter(appointment=visit).exists()
