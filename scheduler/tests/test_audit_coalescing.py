"""Reading the same thing in a loop writes one audit entry per window; every distinct access is recorded."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from appointments.tests.factories import past_appointment
from patients.models import PatientAccessLog
from records import services
from records.models import RecordAccessLog
from records.tests.test_api import write_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

RECORDS = "/api/records/"


def reads(**filters) -> list[tuple]:
    return list(
        RecordAccessLog.objects.exclude(action="create")
        .filter(**filters)
        .order_by("id")
        .values_list("user_id", "record_id", "action", "ip_address")
    )


@pytest.fixture(params=["postgresql", "other"])
def vendor(request):
    """The one-statement PostgreSQL path, and the two-statement path kept for SQLite in development."""
    if request.param == "postgresql":
        yield request.param
        return
    with mock.patch.object(type(connection._connections["default"]), "vendor", request.param):
        yield request.param


def test_a_patient_reading_their_record_in_a_loop_writes_one_entry(vendor, patient, patient_client):
    record = write_record(past_appointment(patient=patient))
    for _ in range(50):
        assert patient_client.get(f"{RECORDS}{record.pk}/").status_code == 200
    assert reads() == [(patient.user_id, record.pk, "read", "127.0.0.1")]


def test_a_patient_reading_their_profile_in_a_loop_writes_one_entry(vendor, patient, patient_client):
    for _ in range(50):
        assert patient_client.get("/api/patients/me/").status_code == 200
    assert PatientAccessLog.objects.count() == 1


def test_every_distinct_access_is_recorded(vendor, patient, patient_client, admin_user, admin_client):
    record = write_record(past_appointment(patient=patient))
    other = write_record(past_appointment(patient=patient, hours_ago=5))
    patient_client.get(f"{RECORDS}{record.pk}/")
    patient_client.get(f"{RECORDS}{record.pk}/", REMOTE_ADDR="192.0.2.1")  # another address
    patient_client.get(f"{RECORDS}{record.pk}/history/")  # another kind of read
    patient_client.get(f"{RECORDS}{other.pk}/")  # another record
    admin_client.get(f"{RECORDS}{record.pk}/")  # another reader
    assert reads() == [
        (patient.user_id, record.pk, "read", "127.0.0.1"),
        (patient.user_id, record.pk, "read", "192.0.2.1"),
        (patient.user_id, record.pk, "history", "127.0.0.1"),
        (patient.user_id, other.pk, "read", "127.0.0.1"),
        (admin_user.pk, record.pk, "read", "127.0.0.1"),
    ]


def test_a_list_records_only_what_it_did_not_record_within_the_window(vendor, patient, patient_client):
    first = write_record(past_appointment(patient=patient))
    patient_client.get(RECORDS)
    second = write_record(past_appointment(patient=patient, hours_ago=5))
    patient_client.get(RECORDS)
    assert [(record, action) for _, record, action, _ in reads()] == [(first.pk, "list"), (second.pk, "list")]


def test_the_same_read_after_the_window_is_recorded_again(vendor, patient, patient_client, settings):
    settings.AUDIT_COALESCE_SECONDS = 60
    record = write_record(past_appointment(patient=patient))
    patient_client.get(f"{RECORDS}{record.pk}/")
    later = timezone.now() + datetime.timedelta(seconds=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        patient_client.get(f"{RECORDS}{record.pk}/")
        patient_client.get(f"{RECORDS}{record.pk}/")
    assert len(reads()) == 2


def test_a_window_of_zero_records_every_read(patient, patient_client, settings):
    settings.AUDIT_COALESCE_SECONDS = 0
    record = write_record(past_appointment(patient=patient))
    for _ in range(3):
        patient_client.get(f"{RECORDS}{record.pk}/")
    assert len(reads()) == 3


def test_writes_are_never_coalesced(patient):
    visit = past_appointment(patient=patient)
    record = write_record(visit)
    for n in range(3):
        services.update_record(record=record, by=visit.doctor.user, ip=None, notes=f"n{n}")
    assert RecordAccessLog.objects.filter(action="update").count() == 3
