import datetime

import pytest
import time_machine
from django.utils import timezone

from appointments.invariants import invariant_violations
from appointments.models import Appointment, AppointmentEvent, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory

pytestmark = pytest.mark.django_db

LIST = "/api/appointments/"


def detail(a, verb: str = "") -> str:
    return f"/api/appointments/{a.pk}/" + (f"{verb}/" if verb else "")


def slot_status(slot) -> str:
    return Slot.objects.get(pk=slot.pk).status


@pytest.fixture(autouse=True)
def consistent_at_the_end(db):
    yield
    assert set(invariant_violations().values()) == {0}


class TestBook:
    def test_patient_books_a_free_slot_and_the_slot_reads_booked(self, patient_client, patient):
        slot = SlotFactory()
        response = patient_client.post(LIST, {"slot": slot.pk, "reason": "Check-up"}, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "scheduled"
        assert (body["slot"], body["doctor"], body["patient"]) == (slot.pk, slot.doctor_id, patient.pk)
        assert body["start"] == slot.start.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        assert body["reason"] == "Check-up"
        assert patient_client.get(f"/api/slots/{slot.pk}/").json()["status"] == "booked"
        assert AppointmentEvent.objects.get().action == "booked"

    def test_booked_slot_is_409_slot_unavailable_and_nothing_is_written(self, patient_client):
        booked = AppointmentFactory()
        response = patient_client.post(LIST, {"slot": booked.slot_id}, format="json")
        assert response.status_code == 409
        assert response.json() == {"detail": "This slot is already booked.", "code": "slot_unavailable"}
        assert Appointment.objects.count() == 1

    def test_deleted_or_unknown_slot_is_409_slot_unavailable(self, patient_client):
        response = patient_client.post(LIST, {"slot": 987654}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "slot_unavailable"

    def test_overlapping_appointment_of_the_patient_is_409_patient_conflict(self, patient_client, patient):
        mine = AppointmentFactory(patient=patient)
        same_hour = SlotFactory(doctor=DoctorFactory(), start=mine.start, end=mine.end)
        response = patient_client.post(LIST, {"slot": same_hour.pk}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "patient_conflict"
        assert slot_status(same_hour) == "free"

    def test_slot_in_the_past_is_400(self, patient_client):
        past = SlotFactory(
            start=timezone.now() - datetime.timedelta(hours=2), end=timezone.now() - datetime.timedelta(hours=1)
        )
        response = patient_client.post(LIST, {"slot": past.pk}, format="json")
        assert response.status_code == 400
        assert response.json()["slot"] == ["This slot is in the past."]

    def test_doctor_cannot_book(self, doctor_client):
        assert doctor_client.post(LIST, {"slot": SlotFactory().pk}, format="json").status_code == 403

    def test_anonymous_cannot_book(self, api_client):
        assert api_client.post(LIST, {"slot": SlotFactory().pk}, format="json").status_code == 401

    def test_admin_books_for_a_patient(self, admin_client, patient):
        slot = SlotFactory()
        response = admin_client.post(LIST, {"slot": slot.pk, "patient": patient.pk}, format="json")
        assert response.status_code == 201
        assert response.json()["patient"] == patient.pk

    def test_admin_must_name_the_patient(self, admin_client):
        response = admin_client.post(LIST, {"slot": SlotFactory().pk}, format="json")
        assert response.status_code == 400
        assert "patient" in response.json()

    def test_admin_booking_for_unknown_patient_is_404(self, admin_client):
        assert admin_client.post(LIST, {"slot": SlotFactory().pk, "patient": 999999}, format="json").status_code == 404

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"slot": "abc"},
            {"slot": -1},
            {"slot": 99999999999999999999999},
            {"slot": None},
            {"slot": 1, "status": "completed"},
            {"slot": 1, "doctor": 1},
            {"slot": 1, "reason": "x" * 2001},
        ],
    )
    def test_bad_body_is_400_and_writes_nothing(self, patient_client, body):
        response = patient_client.post(LIST, body, format="json")
        assert response.status_code == 400
        assert not Appointment.objects.exists()

    def test_patient_cannot_book_for_someone_else(self, patient_client, other_patient):
        response = patient_client.post(LIST, {"slot": SlotFactory().pk, "patient": other_patient.pk}, format="json")
        assert response.status_code == 400
        assert not Appointment.objects.exists()

    def test_rebooking_a_cancelled_slot_works(self, patient_client, patient):
        cancelled = AppointmentFactory(status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE)
        assert patient_client.post(LIST, {"slot": cancelled.slot_id}, format="json").status_code == 201


class TestIdempotencyKey:
    def test_a_retry_returns_the_first_answer_and_books_once(self, patient_client):
        slot = SlotFactory()
        first = patient_client.post(LIST, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = patient_client.post(LIST, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Appointment.objects.count() == 1

    def test_same_key_with_a_different_body_is_422(self, patient_client):
        patient_client.post(LIST, {"slot": SlotFactory().pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        response = patient_client.post(LIST, {"slot": SlotFactory().pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_reused"
        assert Appointment.objects.count() == 1

    def test_keys_are_scoped_to_the_user(self, patient_client, other_patient_client):
        a, b = SlotFactory(), SlotFactory()
        assert patient_client.post(LIST, {"slot": a.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
        response = other_patient_client.post(LIST, {"slot": b.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same")
        assert response.status_code == 201
        assert response.json()["slot"] == b.pk

    def test_a_failed_request_is_not_stored_so_a_retry_runs_again(self, patient_client):
        slot = AppointmentFactory().slot
        first = patient_client.post(LIST, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert first.status_code == 409
        Appointment.objects.all().update(status=AppointmentStatus.CANCELLED, slot=None)
        Slot.objects.filter(pk=slot.pk).update(status=SlotStatus.FREE)
        assert (
            patient_client.post(LIST, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201
        )

    @pytest.mark.parametrize("key", ["", "x" * 256, "ключ"])
    def test_malformed_key_is_400(self, patient_client, key):
        response = patient_client.post(LIST, {"slot": SlotFactory().pk}, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_idempotency_key"


class TestVisibility:
    def test_each_role_lists_only_its_own(self, patient, doctor, patient_client, doctor_client, admin_client):
        mine = AppointmentFactory(patient=patient, slot__doctor=doctor)
        AppointmentFactory()  # someone else's, with another doctor
        assert [a["id"] for a in patient_client.get(LIST).json()["results"]] == [mine.pk]
        assert [a["id"] for a in doctor_client.get(LIST).json()["results"]] == [mine.pk]
        assert admin_client.get(LIST).json()["count"] == 2

    def test_others_get_404(self, other_patient_client, other_doctor_client, patient):
        appointment = AppointmentFactory(patient=patient)
        assert other_patient_client.get(detail(appointment)).status_code == 404
        assert other_doctor_client.get(detail(appointment)).status_code == 404
        assert other_patient_client.post(detail(appointment, "cancel"), {}, format="json").status_code == 404

    def test_its_patient_doctor_and_admin_read_it(self, patient, doctor, patient_client, doctor_client, admin_client):
        appointment = AppointmentFactory(patient=patient, slot__doctor=doctor)
        for client in (patient_client, doctor_client, admin_client):
            assert client.get(detail(appointment)).json()["id"] == appointment.pk

    def test_filters(self, patient, patient_client):
        soon = AppointmentFactory(patient=patient)
        later = AppointmentFactory(
            patient=patient,
            slot__start=soon.start + datetime.timedelta(days=3),
            slot__end=soon.end + datetime.timedelta(days=3),
        )
        cancelled = AppointmentFactory(
            patient=patient, status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE
        )

        def ids(**params):
            response = patient_client.get(LIST, params)
            assert response.status_code == 200, response.json()
            return {a["id"] for a in response.json()["results"]}

        assert ids(status="cancelled") == {cancelled.pk}
        assert ids(start_after=(soon.start + datetime.timedelta(days=1)).isoformat()) == {later.pk}
        assert ids(start_before=(soon.start + datetime.timedelta(minutes=1)).isoformat(), status="scheduled") == {
            soon.pk
        }

    @pytest.mark.parametrize(
        "params",
        [{"status": "gone"}, {"start_after": "2030-01-01T00:00:00"}, {"start_after": "0001-01-01T00:00+01:00"}],
    )
    def test_bad_filters_are_400(self, patient_client, params):
        assert patient_client.get(LIST, params).status_code == 400

    def test_doctor_sees_patients_with_an_appointment_with_them(self, doctor, doctor_client, patient, other_patient):
        AppointmentFactory(patient=patient, slot__doctor=doctor)
        AppointmentFactory(
            patient=other_patient, slot__doctor=doctor, status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE
        )
        assert [p["id"] for p in doctor_client.get("/api/patients/").json()["results"]] == [patient.pk]
        assert doctor_client.get(f"/api/patients/{patient.pk}/").status_code == 200
        assert doctor_client.get(f"/api/patients/{other_patient.pk}/").status_code == 404

    def test_listing_50_appointments_costs_as_many_queries_as_2(self, admin_client, django_assert_num_queries):
        AppointmentFactory.create_batch(2)
        with django_assert_num_queries(3):
            admin_client.get(LIST)
        AppointmentFactory.create_batch(48, status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE)
        with django_assert_num_queries(3):
            assert len(admin_client.get(LIST, {"page_size": 50}).json()["results"]) == 50


class TestCancel:
    @pytest.mark.parametrize("who", ["patient", "doctor", "admin"])
    def test_patient_doctor_or_admin_cancels_and_the_slot_is_free(self, request, patient, doctor, who):
        appointment = AppointmentFactory(patient=patient, slot__doctor=doctor)
        client = request.getfixturevalue(f"{who}_client")
        response = client.post(detail(appointment, "cancel"), {"reason": "Feeling better"}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "cancelled"
        assert response.json()["cancellation_reason"] == "Feeling better"
        assert response.json()["cancelled_by_role"] == who
        assert slot_status(appointment.slot) == "free"

    def test_cancelling_twice_is_409_invalid_transition(self, patient_client, patient):
        appointment = AppointmentFactory(patient=patient)
        patient_client.post(detail(appointment, "cancel"), {}, format="json")
        response = patient_client.post(detail(appointment, "cancel"), {}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"

    def test_patient_cannot_cancel_after_the_start_but_the_doctor_can(self, patient, doctor, client_for):
        appointment = AppointmentFactory(patient=patient, slot__doctor=doctor)
        with time_machine.travel(appointment.start + datetime.timedelta(minutes=5), tick=False):
            patient_client, doctor_client = client_for(patient.user), client_for(doctor.user)
            response = patient_client.post(detail(appointment, "cancel"), {}, format="json")
            assert response.status_code == 409
            assert response.json()["code"] == "invalid_transition"
            assert doctor_client.post(detail(appointment, "cancel"), {}, format="json").status_code == 200


class TestComplete:
    def test_doctor_completes_after_the_start(self, doctor, client_for):
        appointment = AppointmentFactory(slot__doctor=doctor)
        with time_machine.travel(appointment.start + datetime.timedelta(minutes=1), tick=False):
            response = client_for(doctor.user).post(detail(appointment, "complete"), format="json")
        assert response.status_code == 200
        assert response.json()["status"] == "completed"
        assert slot_status(appointment.slot) == "booked"

    def test_before_the_start_is_409(self, doctor_client, doctor):
        appointment = AppointmentFactory(slot__doctor=doctor)
        response = doctor_client.post(detail(appointment, "complete"), format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"

    def test_from_cancelled_is_409(self, admin_user, client_for):
        appointment = AppointmentFactory(status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE)
        with time_machine.travel(appointment.start + datetime.timedelta(minutes=1), tick=False):
            response = client_for(admin_user).post(detail(appointment, "complete"), format="json")
        assert response.status_code == 409

    def test_patient_gets_403_and_another_doctor_404(self, patient, other_doctor, client_for):
        appointment = AppointmentFactory(patient=patient)
        with time_machine.travel(appointment.start + datetime.timedelta(minutes=1), tick=False):
            patient_client, other_doctor_client = client_for(patient.user), client_for(other_doctor.user)
            assert patient_client.post(detail(appointment, "complete"), format="json").status_code == 403
            assert other_doctor_client.post(detail(appointment, "complete"), format="json").status_code == 404

    def test_no_show_after_the_start_keeps_the_slot_used(self, doctor, client_for):
        appointment = AppointmentFactory(slot__doctor=doctor)
        with time_machine.travel(appointment.start + datetime.timedelta(minutes=20), tick=False):
            response = client_for(doctor.user).post(detail(appointment, "no-show"), format="json")
        assert response.json()["status"] == "no_show"
        assert slot_status(appointment.slot) == "booked"


class TestReschedule:
    def test_patient_moves_to_another_free_slot_atomically(self, patient_client, patient):
        appointment = AppointmentFactory(patient=patient)
        new = SlotFactory()
        response = patient_client.post(detail(appointment, "reschedule"), {"slot": new.pk}, format="json")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["id"] == appointment.pk and body["slot"] == new.pk and body["doctor"] == new.doctor_id
        assert slot_status(appointment.slot) == "free" and slot_status(new) == "booked"

    def test_onto_a_booked_slot_is_409_and_changes_nothing(self, patient_client, patient):
        appointment = AppointmentFactory(patient=patient)
        taken = AppointmentFactory().slot
        response = patient_client.post(detail(appointment, "reschedule"), {"slot": taken.pk}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "slot_unavailable"
        assert slot_status(appointment.slot) == "booked"
        assert Appointment.objects.get(pk=appointment.pk).slot_id == appointment.slot_id

    def test_onto_an_hour_overlapping_another_own_appointment_is_patient_conflict(self, patient_client, patient):
        appointment = AppointmentFactory(patient=patient)
        other = AppointmentFactory(patient=patient)
        clash = SlotFactory(doctor=DoctorFactory(), start=other.start, end=other.end)
        response = patient_client.post(detail(appointment, "reschedule"), {"slot": clash.pk}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "patient_conflict"

    def test_into_an_adjacent_hour_of_its_own_doctor_works(self, patient_client, patient):
        appointment = AppointmentFactory(patient=patient)
        adjacent = SlotFactory(
            doctor=appointment.doctor, start=appointment.end, end=appointment.end + datetime.timedelta(hours=1)
        )
        assert (
            patient_client.post(detail(appointment, "reschedule"), {"slot": adjacent.pk}, format="json").status_code
            == 200
        )

    def test_doctor_gets_403(self, doctor_client, doctor):
        appointment = AppointmentFactory(slot__doctor=doctor)
        assert (
            doctor_client.post(detail(appointment, "reschedule"), {"slot": SlotFactory().pk}, format="json").status_code
            == 403
        )

    def test_cancelled_cannot_be_rescheduled(self, patient_client, patient):
        appointment = AppointmentFactory(
            patient=patient, status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE
        )
        response = patient_client.post(detail(appointment, "reschedule"), {"slot": SlotFactory().pk}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"

    def test_admin_reschedules(self, admin_client):
        appointment = AppointmentFactory()
        assert (
            admin_client.post(detail(appointment, "reschedule"), {"slot": SlotFactory().pk}, format="json").status_code
            == 200
        )


def test_deleting_a_slot_freed_by_a_cancellation_keeps_the_appointment(doctor_client, doctor, patient):
    appointment = AppointmentFactory(patient=patient, slot__doctor=doctor)
    doctor_client.post(detail(appointment, "cancel"), {}, format="json")
    assert doctor_client.delete(f"/api/slots/{appointment.slot_id}/").status_code == 204
    appointment.refresh_from_db()
    assert appointment.slot_id is None and appointment.status == "cancelled"


def test_booked_slot_cannot_be_deleted(doctor_client, doctor):
    appointment = AppointmentFactory(slot__doctor=doctor)
    response = doctor_client.delete(f"/api/slots/{appointment.slot_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
