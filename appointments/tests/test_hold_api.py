"""Holds, confirm, check-in and the booking policy over HTTP: status codes, bodies, and nothing written on a refusal."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from appointments.invariants import invariant_violations
from appointments.models import Appointment, AppointmentEvent, AppointmentStatus, BookingPolicy
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot
from doctors.tests.factories import DoctorFactory, SlotFactory
from scheduler.models import IdempotencyKey

pytestmark = pytest.mark.django_db

LIST = "/api/appointments/"
HOLD = "/api/appointments/hold/"
POLICY = "/api/booking-policy/"
HOUR = datetime.timedelta(hours=1)
DEFAULTS = {"hold_seconds": 600, "min_notice_minutes": 0, "cancellation_cutoff_minutes": 0, "booking_horizon_days": 365}


def detail(a, verb: str = "") -> str:
    return f"/api/appointments/{a.pk}/" + (f"{verb}/" if verb else "")


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        sorted(Appointment.objects.values_list("pk", "status", "slot_id", "hold_expires_at", "updated_at")),
        AppointmentEvent.objects.count(),
        sorted(Slot.objects.values_list("pk", "status")),
        list(
            BookingPolicy.objects.values_list(
                "hold_seconds", "min_notice_minutes", "cancellation_cutoff_minutes", "booking_horizon_days"
            )
        ),
        IdempotencyKey.objects.count(),
    )


def refused(client, path, body=None, *, status: int, code: str | None = None, field: str | None = None) -> dict:
    """POST (or PATCH the policy) and expect a refusal that writes nothing."""
    before = state()
    method = client.patch if path == POLICY else client.post
    response = method(path, body, format="json")
    assert response.status_code == status, response.content[:300]
    answer = response.json()
    if code is not None:
        assert answer["code"] == code, answer
    if field is not None:
        assert field in answer, answer
    assert state() == before
    return answer


@pytest.fixture(autouse=True)
def consistent_at_the_end(db):
    yield
    assert set(invariant_violations().values()) == {0}


@pytest.fixture
def held(patient):
    return AppointmentFactory(patient=patient, status=AppointmentStatus.PENDING)


def today_visit(doctor, **kwargs) -> Appointment:
    """A visit of ``doctor`` that is on now: today in the clinic's zone, and not over."""
    now = timezone.now()
    return AppointmentFactory(slot__doctor=doctor, slot__start=now, slot__end=now + HOUR, **kwargs)


class TestHold:
    def test_a_patient_holds_a_slot_for_the_policys_time_and_it_reads_held(self, patient_client, patient):
        slot = SlotFactory()
        with time_machine.travel(timezone.now(), tick=False):
            response = patient_client.post(HOLD, {"slot": slot.pk, "reason": "Check-up"}, format="json")
            expires = timezone.now() + datetime.timedelta(seconds=600)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["hold_expires_at"], body["patient"]) == ("pending", iso(expires), patient.pk)
        assert patient_client.get(f"/api/slots/{slot.pk}/").json()["status"] == "held"
        assert patient_client.get(detail(Appointment.objects.get())).json() == body

    def test_the_hold_lasts_as_long_as_the_policy_says(self, admin_client, patient_client):
        assert admin_client.patch(POLICY, {"hold_seconds": 30}, format="json").status_code == 200
        with time_machine.travel(timezone.now(), tick=False):
            body = patient_client.post(HOLD, {"slot": SlotFactory().pk}, format="json").json()
            assert body["hold_expires_at"] == iso(timezone.now() + datetime.timedelta(seconds=30))

    def test_an_admin_holds_for_a_patient_and_must_name_one(self, admin_client, patient):
        slot = SlotFactory()
        refused(admin_client, HOLD, {"slot": slot.pk}, status=400, field="patient")
        response = admin_client.post(HOLD, {"slot": slot.pk, "patient": patient.pk}, format="json")
        assert response.status_code == 201
        assert response.json()["patient"] == patient.pk

    def test_a_doctor_cannot_hold_and_a_patient_not_for_someone_else(
        self, doctor_client, patient_client, other_patient
    ):
        slot = SlotFactory()
        refused(doctor_client, HOLD, {"slot": slot.pk}, status=403)
        refused(patient_client, HOLD, {"slot": slot.pk, "patient": other_patient.pk}, status=400, field="patient")

    def test_a_held_slot_is_slot_unavailable_to_every_other_hold_or_booking(self, held, other_patient_client):
        refused(other_patient_client, HOLD, {"slot": held.slot_id}, status=409, code="slot_unavailable")
        refused(other_patient_client, LIST, {"slot": held.slot_id}, status=409, code="slot_unavailable")

    def test_a_hold_overlapping_the_patients_own_appointment_is_patient_conflict(self, patient_client, patient):
        mine = AppointmentFactory(patient=patient)
        same_hour = SlotFactory(doctor=DoctorFactory(), start=mine.start, end=mine.end)
        refused(patient_client, HOLD, {"slot": same_hour.pk}, status=409, code="patient_conflict")

    def test_a_slot_in_the_past_is_400(self, patient_client):
        past = SlotFactory(start=timezone.now() - 2 * HOUR, end=timezone.now() - HOUR)
        assert refused(patient_client, HOLD, {"slot": past.pk}, status=400)["slot"] == ["This slot is in the past."]

    @pytest.mark.parametrize(
        "body",
        [{}, {"slot": "x"}, {"slot": 0}, {"slot": 2**63}, {"slot": 1, "status": "scheduled"}, [1], "slot", None],
    )
    def test_a_bad_body_is_400(self, patient_client, body):
        SlotFactory()
        refused(patient_client, HOLD, body, status=400)

    def test_an_expired_hold_is_over_at_once_for_the_next_patient(self, held, other_patient_client):
        with time_machine.travel(held.hold_expires_at + datetime.timedelta(seconds=1), tick=False):
            response = other_patient_client.post(HOLD, {"slot": held.slot_id}, format="json")
        assert response.status_code == 201
        held.refresh_from_db()
        assert held.status == AppointmentStatus.CANCELLED


class TestConfirm:
    def test_its_patient_confirms_and_again_gets_the_same(self, patient_client, held):
        first = patient_client.post(detail(held, "confirm"), format="json")
        assert first.status_code == 200, first.json()
        assert (first.json()["status"], first.json()["hold_expires_at"]) == ("scheduled", None)
        assert patient_client.get(f"/api/slots/{held.slot_id}/").json()["status"] == "booked"
        again = patient_client.post(detail(held, "confirm"), format="json")
        assert again.status_code == 200
        assert again.json() == first.json()
        assert AppointmentEvent.objects.filter(appointment=held, action="confirmed").count() == 1

    def test_an_admin_confirms(self, admin_client, held):
        assert admin_client.post(detail(held, "confirm"), format="json").json()["status"] == "scheduled"

    def test_someone_elses_hold_is_404_and_a_doctor_gets_403(self, other_patient_client, held, client_for):
        refused(other_patient_client, detail(held, "confirm"), status=404)
        refused(client_for(held.doctor.user), detail(held, "confirm"), status=403)

    def test_after_its_time_is_hold_expired_and_it_reads_cancelled(self, patient_client, held, client_for):
        with time_machine.travel(held.hold_expires_at, tick=False):
            client = client_for(held.patient.user)
            refused(client, detail(held, "confirm"), status=409, code="hold_expired")
            body = client.get(detail(held)).json()
            assert (body["status"], body["hold_expires_at"]) == ("cancelled", None)

    def test_a_released_hold_is_invalid_transition(self, patient_client, held):
        assert patient_client.post(detail(held, "cancel"), {}, format="json").json()["status"] == "cancelled"
        assert patient_client.get(f"/api/slots/{held.slot_id}/").json()["status"] == "free"
        refused(patient_client, detail(held, "confirm"), status=409, code="invalid_transition")

    def test_a_cancelled_booking_is_invalid_transition(self, patient_client, patient):
        cancelled = AppointmentFactory(patient=patient, status=AppointmentStatus.CANCELLED, slot__status="free")
        refused(patient_client, detail(cancelled, "confirm"), status=409, code="invalid_transition")


class TestStatusAsItReadsNow:
    def test_an_expired_hold_lists_as_cancelled_not_pending(self, patient_client, patient, held, client_for):
        live = AppointmentFactory(patient=patient, status=AppointmentStatus.PENDING)
        Appointment.objects.filter(pk=held.pk).update(hold_expires_at=timezone.now() - datetime.timedelta(seconds=1))

        def listed(status):
            return {a["id"]: a for a in patient_client.get(LIST, {"status": status}).json()["results"]}

        assert set(listed("pending")) == {live.pk}
        assert set(listed("cancelled")) == {held.pk}
        assert listed("cancelled")[held.pk]["hold_expires_at"] is None
        assert listed("pending")[live.pk]["hold_expires_at"] == iso(live.hold_expires_at)
        everything = {a["id"]: a["status"] for a in patient_client.get(LIST).json()["results"]}
        assert everything == {held.pk: "cancelled", live.pk: "pending"}


class TestCheckIn:
    def test_its_doctor_checks_in_and_then_completes(self, doctor, doctor_client):
        visit = today_visit(doctor)
        response = doctor_client.post(detail(visit, "check-in"), format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "checked_in"
        completed = doctor_client.post(detail(visit, "complete"), format="json")
        assert completed.status_code == 200
        assert completed.json()["status"] == "completed"

    def test_an_admin_checks_in(self, admin_client, doctor):
        assert admin_client.post(detail(today_visit(doctor), "check-in"), format="json").status_code == 200

    def test_another_doctors_visit_is_404_and_a_patient_gets_403(self, doctor, other_doctor_client, client_for):
        visit = today_visit(doctor)
        refused(other_doctor_client, detail(visit, "check-in"), status=404)
        refused(client_for(visit.patient.user), detail(visit, "check-in"), status=403)

    @pytest.mark.parametrize(
        ("local_now", "ok"),
        [
            ("2027-03-01T23:59", False),
            ("2027-03-02T00:00", True),
            ("2027-03-02T09:59", True),
            ("2027-03-02T10:00", False),
            ("2027-03-03T08:00", False),
        ],
    )
    def test_only_on_the_visits_day_in_the_clinics_zone_before_its_end(self, doctor, client_for, local_now, ok):
        clinic = ZoneInfo(settings.CLINIC_TIME_ZONE)
        start = datetime.datetime(2027, 3, 2, 9, tzinfo=clinic)
        visit = AppointmentFactory(slot__doctor=doctor, slot__start=start, slot__end=start + HOUR)
        with time_machine.travel(datetime.datetime.fromisoformat(local_now).replace(tzinfo=clinic), tick=False):
            client = client_for(doctor.user)
            if ok:
                assert client.post(detail(visit, "check-in"), format="json").json()["status"] == "checked_in"
            else:
                refused(client, detail(visit, "check-in"), status=409, code="invalid_transition")

    @pytest.mark.parametrize("status", ["pending", "cancelled", "checked_in", "completed", "no_show"])
    def test_only_from_scheduled(self, doctor, doctor_client, status):
        slot_status = {"slot__status": "free"} if status == "cancelled" else {}
        visit = today_visit(doctor, status=status, **slot_status)
        refused(doctor_client, detail(visit, "check-in"), status=409, code="invalid_transition")

    def test_a_checked_in_patient_is_no_no_show(self, doctor, doctor_client):
        visit = today_visit(doctor, status=AppointmentStatus.CHECKED_IN)
        refused(doctor_client, detail(visit, "no-show"), status=409, code="invalid_transition")


class TestBookingPolicy:
    @pytest.mark.parametrize("who", ["patient", "doctor", "admin"])
    def test_everyone_signed_in_reads_it(self, request, who):
        response = request.getfixturevalue(f"{who}_client").get(POLICY)
        assert response.status_code == 200
        assert response.json() == DEFAULTS

    def test_anonymous_gets_401(self, api_client):
        assert api_client.get(POLICY).status_code == 401

    def test_an_admin_changes_it(self, admin_client, patient_client):
        response = admin_client.patch(POLICY, {"hold_seconds": 900, "min_notice_minutes": 60}, format="json")
        assert response.status_code == 200
        assert response.json() == DEFAULTS | {"hold_seconds": 900, "min_notice_minutes": 60}
        assert patient_client.get(POLICY).json() == response.json()

    @pytest.mark.parametrize("who", ["patient", "doctor"])
    def test_others_get_403(self, request, who):
        refused(request.getfixturevalue(f"{who}_client"), POLICY, {"hold_seconds": 900}, status=403)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"hold_seconds": 9}, "hold_seconds"),
            ({"hold_seconds": 3601}, "hold_seconds"),
            ({"hold_seconds": True}, "hold_seconds"),
            ({"hold_seconds": "ten"}, "hold_seconds"),
            ({"hold_seconds": 2**70}, "hold_seconds"),
            ({"min_notice_minutes": -1}, "min_notice_minutes"),
            ({"cancellation_cutoff_minutes": 10081}, "cancellation_cutoff_minutes"),
            ({"booking_horizon_days": 0}, "booking_horizon_days"),
            ({"min_notice_minutes": 2 * 24 * 60, "booking_horizon_days": 2}, "min_notice_minutes"),
            ({"colour": "blue"}, "colour"),
            ({"id": 2}, "id"),
            (["hold_seconds"], "non_field_errors"),
        ],
    )
    def test_bad_values_are_400_naming_the_field(self, admin_client, body, field):
        refused(admin_client, POLICY, body, status=400, field=field)


class TestPolicyForEachRole:
    """The policy binds patients (409 policy_violation), never the clinic (doctors and admins)."""

    @pytest.fixture
    def soon(self):
        """A free slot two hours from now, with a policy of three hours' notice and cut-off."""
        BookingPolicy.objects.create(min_notice_minutes=180, cancellation_cutoff_minutes=180)
        start = timezone.now().replace(microsecond=0) + 2 * HOUR
        return SlotFactory(start=start, end=start + HOUR)

    @pytest.mark.parametrize("path", [LIST, HOLD])
    def test_a_patient_books_or_holds_no_sooner_than_the_notice_the_admin_any_time(
        self, patient_client, admin_client, patient, soon, path
    ):
        answer = refused(patient_client, path, {"slot": soon.pk}, status=409, code="policy_violation")
        assert "min_notice_minutes" in answer["detail"] and "180" in answer["detail"]
        assert admin_client.post(path, {"slot": soon.pk, "patient": patient.pk}, format="json").status_code == 201

    def test_a_patient_books_no_further_ahead_than_the_horizon(self, patient_client, admin_client):
        assert admin_client.patch(POLICY, {"booking_horizon_days": 3}, format="json").status_code == 200
        refused(patient_client, HOLD, {"slot": SlotFactory().pk}, status=409, code="policy_violation")

    @pytest.mark.parametrize("who", ["doctor", "admin"])
    def test_a_patient_cancels_no_later_than_the_cutoff_the_clinic_any_time(self, request, patient, soon, who):
        visit = AppointmentFactory(patient=patient, slot=soon)
        patient_client = request.getfixturevalue("patient_client")
        answer = refused(patient_client, detail(visit, "cancel"), {}, status=409, code="policy_violation")
        assert "cancellation_cutoff_minutes" in answer["detail"]
        clinic = request.getfixturevalue(f"{who}_client") if who == "admin" else None
        clinic = clinic or request.getfixturevalue("client_for")(soon.doctor.user)
        assert clinic.post(detail(visit, "cancel"), {}, format="json").status_code == 200

    def test_a_patient_releases_a_hold_whatever_the_cutoff(self, patient_client, patient, soon):
        hold = AppointmentFactory(patient=patient, slot=soon, status=AppointmentStatus.PENDING)
        assert patient_client.post(detail(hold, "cancel"), {}, format="json").status_code == 200

    def test_a_patient_reschedules_no_later_than_the_cutoff_the_admin_any_time(
        self, patient_client, admin_client, patient, soon
    ):
        visit = AppointmentFactory(patient=patient, slot=soon)
        later = SlotFactory()
        refused(patient_client, detail(visit, "reschedule"), {"slot": later.pk}, status=409, code="policy_violation")
        assert admin_client.post(detail(visit, "reschedule"), {"slot": later.pk}, format="json").status_code == 200


class TestIdempotencyKeys:
    """Hold, confirm, cancel and reschedule accept an Idempotency-Key, keyed per user and endpoint."""

    @staticmethod
    def post(client, path, body=None, key="k"):
        return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    def test_a_hold_retried_gets_the_first_answer_and_holds_once(self, patient_client):
        slot = SlotFactory()
        first = self.post(patient_client, HOLD, {"slot": slot.pk})
        again = self.post(patient_client, HOLD, {"slot": slot.pk})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert Appointment.objects.count() == 1

    def test_the_same_key_with_another_body_is_422(self, patient_client):
        assert self.post(patient_client, HOLD, {"slot": SlotFactory().pk}).status_code == 201
        other = SlotFactory()
        before = state()
        response = self.post(patient_client, HOLD, {"slot": other.pk})
        assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
        assert state() == before

    def test_confirm_retried_is_replayed(self, patient_client, held):
        first = self.post(patient_client, detail(held, "confirm"))
        again = self.post(patient_client, detail(held, "confirm"))
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"

    def test_cancel_retried_gets_200_again_not_409(self, patient_client, patient):
        visit = AppointmentFactory(patient=patient)
        first = self.post(patient_client, detail(visit, "cancel"), {"reason": "Better"})
        again = self.post(patient_client, detail(visit, "cancel"), {"reason": "Better"})
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert AppointmentEvent.objects.filter(appointment=visit, action="cancelled").count() == 1
        other = self.post(patient_client, detail(visit, "cancel"), {"reason": "Changed my mind"})
        assert other.status_code == 422

    def test_reschedule_retried_gets_200_again_not_409(self, patient_client, patient):
        visit = AppointmentFactory(patient=patient)
        target = SlotFactory()
        first = self.post(patient_client, detail(visit, "reschedule"), {"slot": target.pk})
        again = self.post(patient_client, detail(visit, "reschedule"), {"slot": target.pk})
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert AppointmentEvent.objects.filter(appointment=visit, action="rescheduled").count() == 1

    def test_one_key_serves_a_hold_and_its_confirm(self, patient_client):
        """Keys are per endpoint: a checkout may send its one key to both steps."""
        held = self.post(patient_client, HOLD, {"slot": SlotFactory().pk}, key="checkout-1")
        assert held.status_code == 201
        confirmed = self.post(patient_client, f"/api/appointments/{held.json()['id']}/confirm/", key="checkout-1")
        assert confirmed.status_code == 200 and "Idempotent-Replayed" not in confirmed
        assert confirmed.json()["status"] == "scheduled"

    def test_a_refused_command_stores_no_key(self, client_for, held):
        with time_machine.travel(held.hold_expires_at, tick=False):
            assert self.post(client_for(held.patient.user), detail(held, "confirm")).status_code == 409
        assert IdempotencyKey.objects.count() == 0
