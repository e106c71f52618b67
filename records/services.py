"""Medical record commands, each writing its audit entry in the same transaction."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from appointments.models import RECORDABLE_STATUSES, Appointment
from patients.services import lock_patient
from records.models import MedicalRecord, MedicalRecordVersion, RecordAccessLog
from scheduler.audit import append_reads
from scheduler.exceptions import Conflict, PermissionDenied

CLINICAL_FIELDS = ("diagnosis", "prescription", "notes")


class RecordExists(Conflict):
    default_code = "record_exists"
    default_detail = "This appointment already has a medical record; change it with PATCH."


def _snapshot(record: MedicalRecord, author: User) -> None:
    MedicalRecordVersion.objects.create(
        record=record,
        version=record.version,
        author=author,
        diagnosis=record.diagnosis,
        prescription=record.prescription,
        notes=record.notes,
    )


@transaction.atomic
def create_record(
    *, appointment_id: int, by: User, diagnosis: str, prescription: str = "", notes: str = "", ip: str | None
) -> MedicalRecord:
    """Write the record of a visit: only its doctor, once it has started, never for a cancelled or no-show one.

    Locks in the booking order (the patient, then the appointment), so that writing a record and
    booking or cancelling for the same patient queue instead of deadlocking.
    """
    patient_id = Appointment.objects.filter(pk=appointment_id).values_list("patient_id", flat=True).first()
    if patient_id is not None:
        lock_patient(patient_id)
    appointment = (
        Appointment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("doctor")
        .filter(pk=appointment_id)
        .first()
    )
    # An unknown id answers like someone else's appointment, so ids cannot be probed.
    if appointment is None or appointment.doctor.user_id != by.pk:
        raise PermissionDenied("Only the doctor of this appointment can write its record.")
    if appointment.status not in RECORDABLE_STATUSES:
        raise ValidationError({"appointment": [f"A {appointment.status} appointment cannot have a medical record."]})
    if appointment.start > timezone.now():
        raise ValidationError({"appointment": ["The visit has not started yet."]})
    if MedicalRecord.objects.filter(appointment=appointment).exists():
        raise RecordExists()
    record = MedicalRecord(
        appointment=appointment,
        patient_id=appointment.patient_id,
        doctor_id=appointment.doctor_id,
        author=by,
        diagnosis=diagnosis,
        prescription=prescription,
        notes=notes,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise RecordExists() from exc
    _snapshot(record, by)
    log_access(user=by, records=[record], action=RecordAccessLog.Action.CREATE, ip=ip)
    return record


@transaction.atomic
def update_record(*, record: MedicalRecord, by: User, ip: str | None, **changes: str) -> MedicalRecord:
    """Amend a record (its author only); the new state becomes the next version, the old ones stay."""
    unknown = set(changes) - set(CLINICAL_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    record = MedicalRecord.objects.select_for_update(no_key=True).get(pk=record.pk)
    if record.author_id != by.pk:
        raise PermissionDenied("Only the author of a record can change it.")
    for name, value in changes.items():
        setattr(record, name, value)
    record.version += 1
    record.save()
    _snapshot(record, by)
    log_access(user=by, records=[record], action=RecordAccessLog.Action.UPDATE, ip=ip)
    return record


# Reads of the same record by the same user, the same way, from the same address coalesce within
# AUDIT_COALESCE_SECONDS (scheduler.audit); writes are always recorded.
COALESCED_ACTIONS = {RecordAccessLog.Action.READ, RecordAccessLog.Action.LIST, RecordAccessLog.Action.HISTORY}


def log_access(*, user: User, records: Iterable[MedicalRecord], action: str, ip: str | None) -> None:
    """Append one audit entry per record (a single INSERT for a page of them)."""
    if action in COALESCED_ACTIONS:
        append_reads(
            RecordAccessLog,
            object_field="record",
            object_ids=(r.pk for r in records),
            user_id=user.pk,
            action=action,
            ip=ip,
        )
        return
    RecordAccessLog.objects.bulk_create(
        [RecordAccessLog(user=user, record_id=record.pk, action=action, ip_address=ip) for record in records]
    )
