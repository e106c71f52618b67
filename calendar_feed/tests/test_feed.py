"""The calendar feed: token issue, rotation and revocation; a feed icalendar parses, with the right events
and nothing clinical; a guessed token → 404."""

import datetime
import hashlib

import pytest
from django.utils import timezone
from icalendar import Calendar

from appointments.models import AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from calendar_feed.models import CalendarToken

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/calendar/token/"
REASON = "Persistent cough and night sweats"


def feed_path(client) -> str:
    response = client.post(TOKEN_URL)
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def at(days: float, **kwargs):
    start = (timezone.now() + datetime.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return {"slot__start": start, "slot__end": start + datetime.timedelta(hours=1), **kwargs}


def events(response) -> dict[str, dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_a_patients_feed_has_their_appointments_with_status_and_nothing_clinical(api_client, patient_client, patient):
    scheduled = AppointmentFactory(patient=patient, reason=REASON, **at(3))
    pending = AppointmentFactory(patient=patient, status=AppointmentStatus.PENDING, reason=REASON, **at(4))
    cancelled = AppointmentFactory(
        patient=patient, status=AppointmentStatus.CANCELLED, cancellation_reason=REASON, **at(5)
    )
    last_week = AppointmentFactory(patient=patient, status=AppointmentStatus.COMPLETED, **at(-7))
    AppointmentFactory(patient=patient, status=AppointmentStatus.COMPLETED, **at(-40))  # over 30 days back
    AppointmentFactory(patient=patient, **at(400))  # over a year ahead
    AppointmentFactory(**at(3))  # another patient's

    response = api_client.get(feed_path(patient_client))  # no Authorization header
    found = events(response)
    expected = {f"appointment-{a.pk}@testserver": a for a in (scheduled, pending, cancelled, last_week)}
    assert set(found) == set(expected)
    status = {uid: str(e["STATUS"]) for uid, e in found.items()}
    assert status[f"appointment-{pending.pk}@testserver"] == "TENTATIVE"
    assert status[f"appointment-{cancelled.pk}@testserver"] == "CANCELLED"
    assert status[f"appointment-{scheduled.pk}@testserver"] == "CONFIRMED"
    event = found[f"appointment-{scheduled.pk}@testserver"]
    assert event.decoded("DTSTART") == scheduled.start and event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") == scheduled.end
    doctor = scheduled.doctor
    assert doctor.user.last_name in str(event["SUMMARY"]) and str(event["LOCATION"]) == doctor.department.name
    text = response.content.decode()
    assert "cough" not in text.lower() and REASON not in text
    assert patient.insurance_number not in text and patient.insurance_name not in text
    assert patient.user.last_name not in text  # the patient's own name is not needed either


def test_a_doctors_feed_names_patients_by_initials_only(api_client, doctor_client, doctor, patient):
    patient.user.first_name, patient.user.last_name = "Jane", "Doe"
    patient.user.save()
    visit = AppointmentFactory(patient=patient, slot__doctor=doctor, reason=REASON, **at(2))
    response = api_client.get(feed_path(doctor_client))
    (event,) = events(response).values()
    assert str(event["UID"]) == f"appointment-{visit.pk}@testserver"
    assert str(event["SUMMARY"]) == "Appointment: patient J. D."
    text = response.content.decode()
    assert "Jane" not in text and "Doe" not in text and REASON not in text and patient.user.email not in text


def test_the_uid_is_stable_across_a_reschedule_and_a_new_token(api_client, patient_client, patient):
    appointment = AppointmentFactory(patient=patient, **at(3))
    before = set(events(api_client.get(feed_path(patient_client))))
    appointment.start += datetime.timedelta(hours=2)
    appointment.end += datetime.timedelta(hours=2)
    appointment.save()
    assert set(events(api_client.get(feed_path(patient_client)))) == before


def test_a_new_token_replaces_the_old_one_and_delete_revokes_it(api_client, patient_client, patient):
    old = feed_path(patient_client)
    new = feed_path(patient_client)
    assert old != new
    assert api_client.get(old).status_code == 404
    assert api_client.get(new).status_code == 200
    assert CalendarToken.objects.count() == 1
    assert patient_client.delete(TOKEN_URL).status_code == 204
    assert api_client.get(new).status_code == 404
    assert patient_client.delete(TOKEN_URL).status_code == 204  # nothing left to revoke: no error


def test_the_token_is_stored_only_as_its_hash(patient_client):
    path = feed_path(patient_client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    (row,) = CalendarToken.objects.values_list("token_hash", flat=True)
    assert row == hashlib.sha256(token.encode()).hexdigest() and token not in row


@pytest.mark.parametrize("guess", ["A" * 43, "x", "A" * 44, "%00" * 3, "../../etc/passwd"])
def test_a_guessed_token_is_404(api_client, patient_client, guess):
    feed_path(patient_client)
    assert api_client.get(f"/calendar/{guess}.ics").status_code == 404


def test_a_deactivated_users_feed_is_404(api_client, patient_client, patient):
    path = feed_path(patient_client)
    patient.user.is_active = False
    patient.user.save()
    assert api_client.get(path).status_code == 404


def test_the_token_endpoint_needs_a_signed_in_user_and_an_admins_feed_is_empty(api_client, admin_client):
    assert api_client.post(TOKEN_URL).status_code == 401
    assert api_client.delete(TOKEN_URL).status_code == 401
    AppointmentFactory(**at(3))
    assert events(api_client.get(feed_path(admin_client))) == {}


def test_the_feed_answers_only_get(api_client, patient_client):
    assert api_client.post(feed_path(patient_client)).status_code == 405
