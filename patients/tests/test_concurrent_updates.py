"""Two changes to one patient profile never undo each other (no lost update)."""

import threading

import pytest
from django.db import connection, transaction

from patients import services
from patients.models import Patient
from patients.tests.factories import PatientFactory


@pytest.mark.django_db
def test_an_update_from_a_stale_copy_keeps_a_change_made_since():
    patient = PatientFactory(phone="+14155550100", insurance_name="Old Health")
    stale = Patient.objects.get(pk=patient.pk)  # as a request read it, before the other change committed
    services.update_patient(patient=Patient.objects.get(pk=patient.pk), by=patient.user, phone="+14155550199")
    services.update_patient(patient=stale, by=patient.user, insurance_name="New Health")
    patient.refresh_from_db()
    assert (str(patient.phone), patient.insurance_name) == ("+14155550199", "New Health")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_of_different_fields_both_stay(client_for):
    """Both requests read the profile while a third transaction holds it, then write one after the other."""
    patient = PatientFactory(phone="+14155550100", insurance_name="Old Health")
    client = client_for(patient.user)
    locked, release = threading.Event(), threading.Event()
    answers: list[int] = []

    def holder():
        try:
            with transaction.atomic():
                Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def patch(body):
        try:
            answers.append(client.patch("/api/patients/me/", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert locked.wait(timeout=10)
    for body in ({"phone": "+14155550199"}, {"insurance_name": "New Health"}):
        threads.append(threading.Thread(target=patch, args=(body,)))
        threads[-1].start()
    for thread in threads[1:]:
        thread.join(timeout=1)  # both have read the profile and wait for the holder
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert answers == [200, 200]
    patient.refresh_from_db()
    assert (str(patient.phone), patient.insurance_name) == ("+14155550199", "New Health")
