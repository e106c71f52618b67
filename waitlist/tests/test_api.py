"""The waitlist over HTTP: roles, visibility, bad input, joining twice, leaving."""

import datetime

import pytest
from django.utils import timezone

from appointments.services import update_booking_policy
from doctors.tests.factories import DoctorFactory, SpecializationFactory
from waitlist.models import EntryStatus, WaitlistEntry
from waitlist.tests.factories import WaitlistEntryFactory

pytestmark = pytest.mark.django_db
URL = "/api/waitlist/"


def window(days_from: float = 1, days_to: float = 14) -> dict:
    now = timezone.now()
    return {
        "start_after": (now + datetime.timedelta(days=days_from)).isoformat(),
        "start_before": (now + datetime.timedelta(days=days_to)).isoformat(),
    }


def test_a_patient_joins_for_a_doctor(patient_client, patient, doctor):
    response = patient_client.post(URL, {"doctor": doctor.pk, **window()}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["patient"] == patient.pk and body["doctor"] == doctor.pk and body["specialization"] is None
    assert (body["status"], body["appointment"]) == ("waiting", None)
    assert set(body) == {
        "id",
        "patient",
        "doctor",
        "specialization",
        "start_after",
        "start_before",
        "status",
        "appointment",
        "created_at",
    }


def test_an_admin_joins_for_a_patient_by_specialization(admin_client, patient):
    specialization = SpecializationFactory()
    body = {"specialization": specialization.pk, "patient": patient.pk, **window()}
    response = admin_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["patient"] == patient.pk


def test_an_admin_must_name_the_patient_and_a_patient_must_not(admin_client, patient_client, other_patient, doctor):
    assert admin_client.post(URL, {"doctor": doctor.pk, **window()}, format="json").status_code == 400
    response = patient_client.post(URL, {"doctor": doctor.pk, "patient": other_patient.pk, **window()}, format="json")
    assert response.status_code == 400 and "patient" in response.json()
    assert not WaitlistEntry.objects.exists()


def test_a_doctor_cannot_join_or_list(doctor_client, doctor, api_client):
    assert doctor_client.post(URL, {"doctor": doctor.pk, **window()}, format="json").status_code == 403
    assert doctor_client.get(URL).status_code == 403
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "doctor"),  # neither doctor nor specialization
        ({"specialization": "BOTH"}, "doctor"),  # both
        ({"window": (-5, -1)}, "start_before"),  # in the past
        ({"window": (2, 1)}, "start_before"),  # empty
        ({"window": (1, 400)}, "start_before"),  # beyond the default 365-day horizon
        ({"naive": True}, "start_after"),
        ({"doctor": 999_999}, "doctor"),
    ],
)
def test_bad_input_is_400_naming_the_field(patient_client, doctor, body, field):
    days = body.get("window", (1, 14))
    data = {"doctor": body.get("doctor", doctor.pk), **window(*days)}
    if body == {}:
        del data["doctor"]
    if body.get("specialization") == "BOTH":
        data["specialization"] = doctor.specialization_id
    if body.get("naive"):
        data["start_after"] = "2030-03-01T09:00:00"
    response = patient_client.post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not WaitlistEntry.objects.exists()


def test_the_horizon_is_the_clinics_policy(patient_client, doctor, admin_user):
    update_booking_policy(by=admin_user, booking_horizon_days=10)
    assert patient_client.post(URL, {"doctor": doctor.pk, **window(1, 11)}, format="json").status_code == 400
    assert patient_client.post(URL, {"doctor": doctor.pk, **window(1, 9)}, format="json").status_code == 201


def test_joining_twice_in_an_overlapping_window_is_409_already_waiting(patient_client, doctor):
    assert patient_client.post(URL, {"doctor": doctor.pk, **window(1, 10)}, format="json").status_code == 201
    response = patient_client.post(URL, {"doctor": doctor.pk, **window(5, 20)}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_waiting")
    # Another window, another doctor, or the specialization instead: all fine.
    assert patient_client.post(URL, {"doctor": doctor.pk, **window(10, 20)}, format="json").status_code == 201
    assert patient_client.post(URL, {"doctor": DoctorFactory().pk, **window(1, 10)}, format="json").status_code == 201
    spec = {"specialization": doctor.specialization_id, **window(1, 10)}
    assert patient_client.post(URL, spec, format="json").status_code == 201
    assert patient_client.post(URL, spec, format="json").json()["code"] == "already_waiting"
    assert WaitlistEntry.objects.count() == 4


def test_joining_again_after_leaving_is_fine(patient_client, doctor):
    entry = patient_client.post(URL, {"doctor": doctor.pk, **window()}, format="json").json()
    assert patient_client.delete(f"{URL}{entry['id']}/").status_code == 204
    assert patient_client.post(URL, {"doctor": doctor.pk, **window()}, format="json").status_code == 201


def test_a_patient_lists_their_own_an_admin_all_and_filters_by_status(
    patient_client, admin_client, patient, other_patient
):
    mine = WaitlistEntryFactory(patient=patient)
    WaitlistEntryFactory(patient=patient, status=EntryStatus.CANCELLED)
    WaitlistEntryFactory(patient=other_patient)
    assert patient_client.get(URL).json()["count"] == 2
    assert [e["id"] for e in patient_client.get(URL, {"status": "waiting"}).json()["results"]] == [mine.pk]
    assert admin_client.get(URL).json()["count"] == 3
    assert patient_client.get(URL, {"status": "nonsense"}).status_code == 400


def test_leaving_another_patients_entry_is_404_and_changes_nothing(other_patient_client, patient):
    entry = WaitlistEntryFactory(patient=patient)
    assert other_patient_client.delete(f"{URL}{entry.pk}/").status_code == 404
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING


def test_leaving_cancels_the_entry_its_patient_or_an_admin(patient_client, admin_client, patient):
    first, second = WaitlistEntryFactory(patient=patient), WaitlistEntryFactory(patient=patient)
    assert patient_client.delete(f"{URL}{first.pk}/").status_code == 204
    assert admin_client.delete(f"{URL}{second.pk}/").status_code == 204
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {"cancelled"}
    assert patient_client.delete(f"{URL}{first.pk}/").status_code == 204  # again: no error, nothing changes
