import pytest
from django.db import DatabaseError, connection, transaction

from appointments.models import AppointmentStatus
from appointments.tests.factories import AppointmentFactory, past_appointment
from doctors.models import SlotStatus
from records import services
from records.models import MedicalRecord, MedicalRecordVersion, RecordAccessLog
from records.tests.factories import MedicalRecordFactory

# The audit entry is one statement on PostgreSQL; SQLite (development) writes it in two.
AUDIT_STATEMENTS = 1 if connection.vendor == "postgresql" else 2

pytestmark = pytest.mark.django_db

RECORDS = "/api/records/"
AUDIT = "/api/records/audit/"


def write_record(appointment, **text) -> MedicalRecord:
    body = {"diagnosis": "Seasonal influenza", "prescription": "Rest", "notes": "Follow up in a week", **text}
    return services.create_record(appointment_id=appointment.pk, by=appointment.doctor.user, ip=None, **body)


@pytest.fixture
def visit(patient, doctor):
    return past_appointment(patient=patient, slot__doctor=doctor)


class TestCreate:
    def test_the_appointments_doctor_writes_its_record(self, doctor_client, visit):
        body = {"appointment": visit.pk, "diagnosis": "Migraine", "prescription": "Ibuprofen", "notes": "Dark room"}
        response = doctor_client.post(RECORDS, body, format="json", REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 201, response.json()
        record = response.json()
        assert (record["appointment"], record["patient"], record["doctor"]) == (
            visit.pk,
            visit.patient_id,
            visit.doctor_id,
        )
        assert record["diagnosis"] == "Migraine" and record["version"] == 1
        entry = RecordAccessLog.objects.get()
        assert (entry.action, entry.user_id, entry.ip_address) == ("create", visit.doctor.user_id, "10.1.2.3")

    @pytest.mark.parametrize("who", ["patient_client", "admin_client", "other_doctor_client"])
    def test_anyone_else_gets_403_and_nothing_is_written(self, request, visit, who):
        client = request.getfixturevalue(who)
        response = client.post(RECORDS, {"appointment": visit.pk, "diagnosis": "X"}, format="json")
        assert response.status_code == 403
        assert not MedicalRecord.objects.exists() and not RecordAccessLog.objects.exists()

    def test_anonymous_is_401(self, api_client, visit):
        assert api_client.post(RECORDS, {"appointment": visit.pk, "diagnosis": "X"}, format="json").status_code == 401

    def test_cancelled_appointment_is_400(self, doctor_client, doctor):
        cancelled = AppointmentFactory(
            slot__doctor=doctor, status=AppointmentStatus.CANCELLED, slot__status=SlotStatus.FREE
        )
        response = doctor_client.post(RECORDS, {"appointment": cancelled.pk, "diagnosis": "X"}, format="json")
        assert response.status_code == 400
        assert "appointment" in response.json()
        assert not MedicalRecord.objects.exists()

    def test_a_visit_that_has_not_started_is_400(self, doctor_client, doctor):
        upcoming = AppointmentFactory(slot__doctor=doctor)
        response = doctor_client.post(RECORDS, {"appointment": upcoming.pk, "diagnosis": "X"}, format="json")
        assert response.status_code == 400
        assert response.json()["appointment"] == ["The visit has not started yet."]

    def test_an_unknown_appointment_answers_like_someone_elses(self, doctor_client):
        response = doctor_client.post(RECORDS, {"appointment": 987654, "diagnosis": "X"}, format="json")
        assert response.status_code == 403

    def test_a_visit_with_a_record_cannot_be_cancelled(self, doctor_client, visit):
        MedicalRecordFactory(appointment=visit)
        response = doctor_client.post(f"/api/appointments/{visit.pk}/cancel/", {}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"

    def test_second_record_for_an_appointment_is_409(self, doctor_client, visit):
        MedicalRecordFactory(appointment=visit)
        response = doctor_client.post(RECORDS, {"appointment": visit.pk, "diagnosis": "Again"}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "record_exists"
        assert MedicalRecord.objects.count() == 1

    @pytest.mark.parametrize(
        "body",
        [
            {"appointment": "abc", "diagnosis": "X"},
            {"diagnosis": "X"},
            {"appointment": 1},
            {"appointment": 1, "diagnosis": ""},
            {"appointment": 1, "diagnosis": "X", "author": 5},
            {"appointment": 1, "diagnosis": "X", "patient": 5},
            {"appointment": 1, "diagnosis": "X\x00"},
        ],
    )
    def test_bad_body_is_400(self, doctor_client, body):
        response = doctor_client.post(RECORDS, body, format="json")
        assert response.status_code == 400
        assert not MedicalRecord.objects.exists()


class TestVisibility:
    def test_patient_reads_own_records_and_not_others(self, patient_client, visit, other_patient):
        mine = MedicalRecordFactory(appointment=visit)
        theirs = MedicalRecordFactory(appointment=past_appointment(patient=other_patient))
        assert [r["id"] for r in patient_client.get(RECORDS).json()["results"]] == [mine.pk]
        assert patient_client.get(f"{RECORDS}{mine.pk}/").status_code == 200
        assert patient_client.get(f"{RECORDS}{theirs.pk}/").status_code == 404

    def test_a_doctor_treating_the_patient_reads_their_history_from_other_doctors(
        self, patient, other_doctor, client_for
    ):
        by_first_doctor = MedicalRecordFactory(appointment=past_appointment(patient=patient))
        AppointmentFactory(patient=patient, slot__doctor=other_doctor)
        client = client_for(other_doctor.user)
        assert [r["id"] for r in client.get(RECORDS, {"patient": patient.pk}).json()["results"]] == [by_first_doctor.pk]
        assert client.get(f"{RECORDS}{by_first_doctor.pk}/").status_code == 200

    def test_a_doctor_not_treating_the_patient_gets_404(self, other_doctor_client, visit):
        record = MedicalRecordFactory(appointment=visit)
        assert other_doctor_client.get(RECORDS).json()["count"] == 0
        assert other_doctor_client.get(f"{RECORDS}{record.pk}/").status_code == 404
        assert other_doctor_client.get(f"{RECORDS}{record.pk}/history/").status_code == 404

    def test_admin_reads_all(self, admin_client, visit):
        MedicalRecordFactory(appointment=visit)
        MedicalRecordFactory()
        assert admin_client.get(RECORDS).json()["count"] == 2

    def test_history_of_a_patient_is_newest_first(self, admin_client, patient):
        older = MedicalRecordFactory(appointment=past_appointment(hours_ago=30, patient=patient))
        newer = MedicalRecordFactory(appointment=past_appointment(hours_ago=3, patient=patient))
        MedicalRecordFactory()
        ids = [r["id"] for r in admin_client.get(RECORDS, {"patient": patient.pk}).json()["results"]]
        assert ids == [newer.pk, older.pk]

    def test_bad_filter_is_400(self, admin_client):
        assert admin_client.get(RECORDS, {"patient": "abc"}).status_code == 400


class TestAmend:
    def test_author_amends_and_every_version_is_kept(self, doctor_client, visit):
        record = MedicalRecordFactory(appointment=visit, diagnosis="Cold")
        response = doctor_client.patch(f"{RECORDS}{record.pk}/", {"diagnosis": "Influenza A"}, format="json")
        assert response.status_code == 200
        assert response.json()["diagnosis"] == "Influenza A" and response.json()["version"] == 2
        history = doctor_client.get(f"{RECORDS}{record.pk}/history/").json()["results"]
        assert [(v["version"], v["diagnosis"]) for v in history] == [(2, "Influenza A"), (1, "Cold")]

    @pytest.mark.parametrize("who", ["patient_client", "admin_client"])
    def test_readers_who_are_not_the_author_get_403(self, request, visit, who):
        record = MedicalRecordFactory(appointment=visit)
        client = request.getfixturevalue(who)
        assert client.patch(f"{RECORDS}{record.pk}/", {"notes": "x"}, format="json").status_code == 403
        assert MedicalRecord.objects.get(pk=record.pk).version == 1

    def test_another_treating_doctor_reads_but_cannot_amend(self, patient, other_doctor, visit, client_for):
        record = MedicalRecordFactory(appointment=visit)
        AppointmentFactory(patient=patient, slot__doctor=other_doctor)
        assert (
            client_for(other_doctor.user).patch(f"{RECORDS}{record.pk}/", {"notes": "x"}, format="json").status_code
            == 403
        )

    @pytest.mark.parametrize("body", [{"author": 1}, {"patient": 2}, {"appointment": 3}, {"diagnosis": ""}])
    def test_bad_amendment_is_400(self, doctor_client, visit, body):
        record = MedicalRecordFactory(appointment=visit)
        assert doctor_client.patch(f"{RECORDS}{record.pk}/", body, format="json").status_code == 400

    def test_no_delete_through_the_api(self, doctor_client, visit):
        record = MedicalRecordFactory(appointment=visit)
        assert doctor_client.delete(f"{RECORDS}{record.pk}/").status_code == 405
        assert MedicalRecord.objects.filter(pk=record.pk).exists()


class TestAudit:
    def test_reads_are_audited_with_who_what_and_where(self, patient_client, patient, visit):
        record = MedicalRecordFactory(appointment=visit)
        patient_client.get(f"{RECORDS}{record.pk}/", REMOTE_ADDR="192.0.2.7")
        patient_client.get(RECORDS)
        patient_client.get(f"{RECORDS}{record.pk}/history/")
        reads = RecordAccessLog.objects.filter(user=patient.user).order_by("id")
        assert [(e.action, e.record_id) for e in reads] == [
            ("read", record.pk),
            ("list", record.pk),
            ("history", record.pk),
        ]
        assert reads[0].ip_address == "192.0.2.7"

    def test_a_refused_read_writes_nothing(self, other_patient_client, visit):
        record = MedicalRecordFactory(appointment=visit)
        other_patient_client.get(f"{RECORDS}{record.pk}/")
        assert RecordAccessLog.objects.exclude(action="create").count() == 0

    def test_admins_browse_the_trail_others_cannot(self, admin_client, patient_client, doctor_client, visit):
        record = MedicalRecordFactory(appointment=visit)
        patient_client.get(f"{RECORDS}{record.pk}/")
        body = admin_client.get(AUDIT, {"record": record.pk, "action": "read"}).json()
        assert body["count"] == 1 and body["results"][0]["user_role"] == "patient"
        assert patient_client.get(AUDIT).status_code == 403
        assert doctor_client.get(AUDIT).status_code == 403

    def test_the_trail_cannot_be_changed_through_the_api(self, admin_client, visit):
        write_record(visit)
        entry = RecordAccessLog.objects.get()
        assert admin_client.delete(f"{AUDIT}{entry.pk}/").status_code == 404
        assert admin_client.post(AUDIT, {}, format="json").status_code == 405

    def test_the_model_refuses_update_and_delete(self, visit):
        write_record(visit)
        entry = RecordAccessLog.objects.get()
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            entry.delete()

    @pytest.mark.postgres
    @pytest.mark.parametrize("model", [RecordAccessLog, MedicalRecordVersion])
    def test_the_database_refuses_update_and_delete(self, visit, model):
        write_record(visit)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all().update(
                created_at=None
            ) if model is MedicalRecordVersion else model.objects.all().update(action="read")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all()._raw_delete(using="default")


def test_clinical_text_is_not_stored_in_plain_text(visit):
    record = MedicalRecordFactory(appointment=visit, diagnosis="Hypertension stage 2", notes="Patient anxious")
    with connection.cursor() as cursor:
        cursor.execute("SELECT diagnosis, notes, prescription FROM records_medicalrecord WHERE id = %s", [record.pk])
        row = cursor.fetchone()
        cursor.execute("SELECT diagnosis FROM records_medicalrecordversion WHERE record_id = %s", [record.pk])
        version = cursor.fetchone()[0]
    assert "Hypertension" not in row[0] and "anxious" not in row[1] and "Hypertension" not in version
    assert all(value.startswith("gAAAA") for value in (*row, version))


class TestQueryCounts:
    def test_record_list_does_not_grow_with_the_page(self, admin_client, django_assert_num_queries):
        MedicalRecordFactory()
        with django_assert_num_queries(3 + AUDIT_STATEMENTS):  # auth user, count, page, one audit insert
            admin_client.get(RECORDS)
        for _ in range(19):
            MedicalRecordFactory()
        with django_assert_num_queries(3 + AUDIT_STATEMENTS):
            assert len(admin_client.get(RECORDS).json()["results"]) == 20

    def test_history_does_not_grow_with_versions(self, doctor_client, visit, django_assert_num_queries):
        record = MedicalRecordFactory(appointment=visit)
        with django_assert_num_queries(4 + AUDIT_STATEMENTS):  # auth user, record, audit insert, count, page
            doctor_client.get(f"{RECORDS}{record.pk}/history/")
        for n in range(10):
            services.update_record(record=record, by=visit.doctor.user, ip=None, notes=f"n{n}")
        with django_assert_num_queries(5):  # the same read again: coalesced (one statement either way)
            assert len(doctor_client.get(f"{RECORDS}{record.pk}/history/").json()["results"]) == 11
