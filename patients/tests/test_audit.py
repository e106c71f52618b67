"""Reads of patient profiles (insurance details are PHI) are audited like reads of medical records."""

import pytest
from django.db import DatabaseError, transaction

from appointments.tests.factories import AppointmentFactory
from patients.models import PatientAccessLog
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

LIST = "/api/patients/"


def entries():
    return [(e.user_id, e.patient_id, e.action) for e in PatientAccessLog.objects.order_by("id")]


def test_a_doctor_reading_a_patient_is_audited_with_who_what_and_where(doctor_client, doctor, patient):
    AppointmentFactory(patient=patient, slot__doctor=doctor)
    assert doctor_client.get(f"{LIST}{patient.pk}/", REMOTE_ADDR="192.0.2.9").status_code == 200
    entry = PatientAccessLog.objects.get()
    assert (entry.user_id, entry.patient_id, entry.action, entry.ip_address) == (
        doctor.user_id,
        patient.pk,
        "read",
        "192.0.2.9",
    )


def test_listing_audits_every_patient_on_the_page(admin_client, admin_user, patient, other_patient):
    assert admin_client.get(LIST).json()["count"] == 2
    assert entries() == [(admin_user.pk, patient.pk, "list"), (admin_user.pk, other_patient.pk, "list")]


def test_a_doctors_list_audits_only_the_patients_it_shows(doctor_client, doctor, patient, other_patient):
    AppointmentFactory(patient=patient, slot__doctor=doctor)
    assert doctor_client.get(LIST).json()["count"] == 1
    assert entries() == [(doctor.user_id, patient.pk, "list")]


def test_an_admin_reading_a_patient_is_audited(admin_client, admin_user, patient):
    assert admin_client.get(f"{LIST}{patient.pk}/").status_code == 200
    assert entries() == [(admin_user.pk, patient.pk, "read")]


def test_a_patient_reading_their_own_profile_is_audited_too(patient_client, patient):
    """As with records: a stolen patient token reading the insurance details leaves a trace (address)."""
    assert patient_client.get(f"{LIST}me/").status_code == 200
    assert patient_client.get(f"{LIST}{patient.pk}/", REMOTE_ADDR="198.51.100.4").status_code == 200
    assert entries() == [(patient.user_id, patient.pk, "read")] * 2


def test_a_refused_read_writes_nothing(patient_client, doctor_client, other_patient):
    assert patient_client.get(f"{LIST}{other_patient.pk}/").status_code == 404
    assert doctor_client.get(f"{LIST}{other_patient.pk}/").status_code == 404
    assert patient_client.get(LIST).status_code == 403
    assert not PatientAccessLog.objects.exists()


def test_opening_a_patient_in_the_django_admin_is_audited_the_list_is_not(client, admin_user):
    patient = PatientFactory(insurance_number="XK-31337")
    client.force_login(admin_user)
    assert b"XK-31337" not in client.get("/admin/patients/patient/").content
    assert not PatientAccessLog.objects.exists()
    response = client.get(f"/admin/patients/patient/{patient.pk}/change/", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200 and b"XK-31337" in response.content
    entry = PatientAccessLog.objects.get()
    assert (entry.user_id, entry.patient_id, entry.action, entry.ip_address) == (
        admin_user.pk,
        patient.pk,
        "read",
        "203.0.113.5",
    )


def test_the_trail_is_read_only_in_the_admin(client, admin_user, admin_client, patient):
    admin_client.get(f"{LIST}{patient.pk}/")
    entry = PatientAccessLog.objects.get()
    client.force_login(admin_user)
    assert client.get("/admin/patients/patientaccesslog/").status_code == 200
    assert client.get("/admin/patients/patientaccesslog/add/").status_code == 403
    assert client.post(f"/admin/patients/patientaccesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PatientAccessLog.objects.filter(pk=entry.pk).exists()


def test_the_model_refuses_update_and_delete(admin_client, patient):
    admin_client.get(f"{LIST}{patient.pk}/")
    entry = PatientAccessLog.objects.get()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.postgres
def test_the_database_refuses_update_and_delete(admin_client, patient):
    admin_client.get(f"{LIST}{patient.pk}/")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PatientAccessLog.objects.update(action="list")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PatientAccessLog.objects.all()._raw_delete(using="default")
    assert PatientAccessLog.objects.get().action == "read"
