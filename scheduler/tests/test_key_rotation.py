"""Key rotation end to end: a new key first, re-encrypt everything, retire the old key, all still reads."""

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from appointments.models import Appointment
from appointments.tests.factories import past_appointment
from patients.models import Patient
from patients.tests.factories import PatientFactory
from records import services as records
from records.models import MedicalRecord, MedicalRecordVersion
from scheduler import fields
from scheduler.management.commands.reencrypt_fields import encrypted_tables, read_batch, rewrite
from scheduler.models import IdempotencyKey

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
CLEAR = {"Recurring migraine", "Sumatriptan 50 mg", "Dark room, follow up", "Chest pain", "INS-778899"}


@pytest.fixture
def old_key_data(settings, db):
    """A patient, an appointment, a record with two versions and an idempotency answer, under OLD."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    patient = PatientFactory(insurance_number="INS-778899")
    visit = past_appointment(patient=patient)
    Appointment.objects.filter(pk=visit.pk).update(reason="Chest pain")
    record = records.create_record(
        appointment_id=visit.pk,
        by=visit.doctor.user,
        ip=None,
        diagnosis="Migraine",
        prescription="Sumatriptan 50 mg",
        notes="Dark room, follow up",
    )
    records.update_record(record=record, by=visit.doctor.user, ip=None, diagnosis="Recurring migraine")
    IdempotencyKey.objects.create(
        user=patient.user,
        key="k",
        fingerprint="f",
        response_status=201,
        response_body=json.dumps({"reason": "Chest pain"}),
    )
    return visit, record


def stored_values() -> list[str]:
    return [
        v
        for model, columns in encrypted_tables()
        for row in read_batch(model, columns, after=0, size=10**6)
        for v in row[1:]
        if v
    ]


def everything_reads(visit, record, client_for) -> None:
    patient = Patient.objects.get(pk=visit.patient_id)
    assert patient.insurance_number == "INS-778899"
    assert Appointment.objects.get(pk=visit.pk).reason == "Chest pain"
    assert MedicalRecord.objects.get(pk=record.pk).diagnosis == "Recurring migraine"
    assert [v.diagnosis for v in MedicalRecordVersion.objects.filter(record=record)] == [
        "Recurring migraine",
        "Migraine",
    ]
    assert json.loads(IdempotencyKey.objects.get().response_body) == {"reason": "Chest pain"}
    response = client_for(visit.doctor.user).get(f"/api/records/{record.pk}/")
    assert response.status_code == 200 and response.json()["notes"] == "Dark room, follow up"


def test_rotate_reencrypt_retire(settings, old_key_data, client_for):
    visit, record = old_key_data
    values = stored_values()
    assert len(values) >= 10 and not CLEAR & set(values)

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]  # 1. the new key first, in every process
    with pytest.raises(CommandError, match="still under an older key"):
        call_command("reencrypt_fields", "--check", stdout=StringIO())
    out = StringIO()
    call_command("reencrypt_fields", "--batch-size", "2", stdout=out)  # 2. re-encrypt
    assert "Every encrypted value is under the first key." in out.getvalue()
    call_command("reencrypt_fields", "--check", stdout=StringIO())  # 3. nothing left: the old key can go

    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # 4. retire the old key
    everything_reads(visit, record, client_for)
    assert all(fields.is_under_first_key(v) for v in stored_values())


def test_without_reencryption_retiring_the_old_key_breaks_reads(settings, old_key_data):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(fields.DecryptionError):
        Patient.objects.get(pk=old_key_data[0].patient_id)


def test_a_second_run_has_nothing_to_do_so_an_interrupted_run_is_resumed(settings, old_key_data):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    # An interrupted run: only the first table's first rows were done.
    model, columns = next(encrypted_tables())
    pk, value = read_batch(model, columns[:1], after=0, size=1)[0]
    assert rewrite(model, columns[0], [(fields.reencrypt(value), pk, value)]) == 1
    out = StringIO()
    call_command("reencrypt_fields", stdout=out)
    assert f"{model._meta.label}: " in out.getvalue()
    again = StringIO()
    call_command("reencrypt_fields", stdout=again)
    assert " 0 value(s) re-encrypted" in again.getvalue() and " 1 value(s)" not in again.getvalue()
    assert all(fields.is_under_first_key(v) for v in stored_values())


def test_a_value_the_api_changed_meanwhile_is_not_overwritten(settings, old_key_data):
    visit, _ = old_key_data
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    [(pk, stale)] = read_batch(Appointment, ["reason"], after=visit.pk - 1, size=1)
    Appointment.objects.filter(pk=visit.pk).update(reason="Chest pain, worse at night")  # the API writes
    assert rewrite(Appointment, "reason", [(fields.reencrypt(stale), pk, stale)]) == 0
    assert Appointment.objects.get(pk=visit.pk).reason == "Chest pain, worse at night"


@pytest.mark.postgres
def test_record_versions_stay_append_only(settings, old_key_data):
    def enabled_guards() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%append_only' AND tgenabled = 'O'")
            return cursor.fetchone()[0]

    before = enabled_guards()
    assert before >= 2  # the record audit tables at least
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("reencrypt_fields", stdout=StringIO())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        MedicalRecordVersion.objects.update(notes="tampered")
    assert enabled_guards() == before


def test_a_value_no_key_decrypts_is_reported(settings, old_key_data):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), NEW]
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("reencrypt_fields", stdout=StringIO(), stderr=StringIO())
