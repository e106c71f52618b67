"""The record commands called directly: who writes and amends, for which visits, once."""

import pytest
from django.core.exceptions import ValidationError

from appointments.models import AppointmentStatus
from appointments.tests.factories import AppointmentFactory, past_appointment
from records import services
from records.models import MedicalRecord, RecordAccessLog
from records.tests.factories import MedicalRecordFactory
from scheduler.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db


def write(appointment, by=None, **text) -> MedicalRecord:
    by = by or appointment.doctor.user
    return services.create_record(appointment_id=appointment.pk, by=by, diagnosis="Flu", ip="192.0.2.1", **text)


class TestCreate:
    def test_the_doctor_writes_version_1_and_the_write_is_audited(self):
        visit = past_appointment()
        record = write(visit, notes="Rest")
        assert (record.patient_id, record.doctor_id, record.author_id) == (
            visit.patient_id,
            visit.doctor_id,
            visit.doctor.user_id,
        )
        assert [(v.version, v.diagnosis, v.notes) for v in record.versions.all()] == [(1, "Flu", "Rest")]
        entry = RecordAccessLog.objects.get(record=record)
        assert (entry.action, entry.user_id, entry.ip_address) == ("create", visit.doctor.user_id, "192.0.2.1")

    def test_another_doctor_or_an_unknown_appointment_answer_alike(self, other_doctor):
        visit = past_appointment()
        with pytest.raises(PermissionDenied) as theirs:
            write(visit, by=other_doctor.user)
        visit.pk = 987654
        with pytest.raises(PermissionDenied) as unknown:
            write(visit, by=other_doctor.user)
        assert theirs.value.detail == unknown.value.detail
        assert not MedicalRecord.objects.exists()

    def test_not_before_the_visit_has_started(self):
        with pytest.raises(ValidationError, match="not started"):
            write(AppointmentFactory())

    @pytest.mark.parametrize(
        "status, allowed",
        [
            (AppointmentStatus.SCHEDULED, True),
            (AppointmentStatus.COMPLETED, True),
            (AppointmentStatus.CANCELLED, False),
            (AppointmentStatus.NO_SHOW, False),
        ],
    )
    def test_only_a_visit_that_happened_or_may_have(self, status, allowed):
        visit = past_appointment(status=status)
        if allowed:
            assert write(visit).version == 1
        else:
            with pytest.raises(ValidationError) as error:
                write(visit)
            assert "appointment" in error.value.message_dict

    def test_a_second_record_is_a_conflict(self):
        record = MedicalRecordFactory()
        with pytest.raises(services.RecordExists) as error:
            write(record.appointment)
        assert error.value.code == "record_exists" and MedicalRecord.objects.count() == 1


class TestUpdate:
    def test_the_author_amends_and_every_version_is_kept(self):
        record = MedicalRecordFactory(diagnosis="Cold")
        services.update_record(record=record, by=record.author, ip=None, diagnosis="Influenza A")
        record.refresh_from_db()
        assert record.version == 2
        assert [(v.version, v.diagnosis) for v in record.versions.all()] == [(2, "Influenza A"), (1, "Cold")]
        assert RecordAccessLog.objects.get(record=record).action == "update"

    def test_no_one_else_amends(self, other_doctor, admin_user):
        record = MedicalRecordFactory()
        for someone in (other_doctor.user, admin_user, record.patient.user):
            with pytest.raises(PermissionDenied):
                services.update_record(record=record, by=someone, ip=None, notes="x")
        assert MedicalRecord.objects.get(pk=record.pk).version == 1

    @pytest.mark.parametrize("field", ["author", "patient", "appointment", "version"])
    def test_only_the_clinical_text_changes(self, field):
        record = MedicalRecordFactory()
        with pytest.raises(ValidationError) as error:
            services.update_record(record=record, by=record.author, ip=None, **{field: "1"})
        assert field in error.value.message_dict
