import pytest

from appointments.tests.factories import past_appointment
from records import services
from records.models import RecordAccessLog
from records.tests.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db


def test_opening_a_record_in_the_admin_is_audited_and_read_only_for_non_authors(client, admin_user):
    record = MedicalRecordFactory(diagnosis="Asthma")
    client.force_login(admin_user)
    response = client.get(f"/admin/records/medicalrecord/{record.pk}/change/")
    assert response.status_code == 200
    assert b"Asthma" in response.content
    assert b'name="diagnosis"' not in response.content  # shown, not editable
    assert RecordAccessLog.objects.filter(user=admin_user, action="read", record=record).exists()


def test_record_list_shows_no_clinical_text(client, admin_user):
    MedicalRecordFactory(diagnosis="Asthma")
    client.force_login(admin_user)
    response = client.get("/admin/records/medicalrecord/")
    assert response.status_code == 200 and b"Asthma" not in response.content


def test_audit_trail_admin_is_read_only(client, admin_user):
    visit = past_appointment()
    services.create_record(appointment_id=visit.pk, by=visit.doctor.user, diagnosis="Asthma", ip=None)
    entry = RecordAccessLog.objects.get()
    client.force_login(admin_user)
    assert client.get("/admin/records/recordaccesslog/").status_code == 200
    assert client.post(f"/admin/records/recordaccesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RecordAccessLog.objects.filter(pk=entry.pk).exists()
