"""Medical record queries: what each caller may see."""

from django.db.models import OuterRef, QuerySet

from accounts.models import User
from appointments.selectors import treats
from records.models import MedicalRecord, MedicalRecordVersion, RecordAccessLog
from scheduler.exceptions import NotFound


def records_visible_to(user: User) -> QuerySet[MedicalRecord]:
    """A patient reads their own; a doctor the records of patients they treat; an admin all."""
    records = MedicalRecord.objects.order_by("-created_at", "-id")
    if user.is_admin:
        return records
    if user.is_patient:
        return records.filter(patient__user=user)
    if user.is_doctor:
        return records.filter(treats(user, OuterRef("patient")))
    return records.none()


def get_record_for(*, user: User, record_id: int) -> MedicalRecord:
    record = records_visible_to(user).filter(pk=record_id).first()
    if record is None:
        raise NotFound("Medical record not found.")
    return record


def record_versions(*, record: MedicalRecord) -> QuerySet[MedicalRecordVersion]:
    return MedicalRecordVersion.objects.filter(record=record).order_by("-version")


def access_log() -> QuerySet[RecordAccessLog]:
    return RecordAccessLog.objects.select_related("user").order_by("-at", "-id")
