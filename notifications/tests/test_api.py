import pytest

from appointments import services as appointment_services
from doctors.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def book(patient):
    slot = SlotFactory()
    return appointment_services.book_appointment(patient=patient, slot_id=slot.pk, by=patient.user)


def test_each_sees_their_own_notifications_and_an_admin_all(client_for, patient, other_patient, admin_user):
    mine = book(patient)
    appointment_services.cancel_appointment(appointment=mine, by=patient.user)
    book(other_patient)
    body = client_for(patient.user).get("/api/notifications/").json()
    assert body["count"] == 3  # confirmation, reminder, cancellation
    assert set(body["results"][0]) == {"id", "kind", "appointment", "status", "created_at", "sent_at"}
    assert {n["appointment"] for n in body["results"]} == {mine.pk}
    assert body["results"][0]["kind"] == "booking_cancelled"  # newest first
    doctor = client_for(mine.doctor.user).get("/api/notifications/").json()
    assert [(n["kind"], n["status"]) for n in doctor["results"]] == [("booking_cancelled", "queued")]
    assert client_for(admin_user).get("/api/notifications/").json()["count"] == 6
    filtered = client_for(admin_user).get("/api/notifications/", {"kind": "reminder"}).json()
    # Both reminders: the cancelled appointment's stays queued until it is due, and is dropped then.
    assert filtered["count"] == 2


def test_anonymous_is_401_and_a_bad_filter_is_400(api_client, patient_client):
    assert api_client.get("/api/notifications/").status_code == 401
    response = patient_client.get("/api/notifications/", {"status": "lost"})
    assert response.status_code == 400 and "status" in response.json()
