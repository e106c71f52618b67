from django.conf import settings
from django.db import models

from appointments.models import Appointment
from doctors.models import Doctor
from patients.models import Patient
from scheduler.fields import EncryptedTextField
from scheduler.models import AppendOnlyModel, TimeStampedModel


class MedicalRecord(TimeStampedModel):
    """The record of one appointment, written by its doctor. Clinical text is encrypted at rest.

    Every version, the current one included, is also kept in ``MedicalRecordVersion``.
    """

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="medical_record")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medical_records")
    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="medical_records")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    diagnosis = EncryptedTextField()
    prescription = EncryptedTextField(blank=True, default="")
    notes = EncryptedTextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="record_by_patient")]

    def __str__(self) -> str:
        return f"Medical record {self.pk} (appointment {self.appointment_id}, v{self.version})"


class MedicalRecordVersion(AppendOnlyModel):
    """One saved state of a record; append-only (a database trigger refuses UPDATE and DELETE)."""

    record = models.ForeignKey(MedicalRecord, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    diagnosis = EncryptedTextField()
    prescription = EncryptedTextField(blank=True, default="")
    notes = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["record", "version"], name="record_version_unique")]

    def __str__(self) -> str:
        return f"Record {self.record_id} v{self.version}"


class RecordAccessLog(AppendOnlyModel):
    """Who did what to which record, when and from where; append-only (trigger-enforced)."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        READ = "read"
        LIST = "list"
        HISTORY = "history"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(MedicalRecord, on_delete=models.PROTECT, related_name="access_log")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record", "-at"], name="access_by_record")]

    def __str__(self) -> str:
        return f"{self.action} of record {self.record_id} by user {self.user_id} at {self.at:%Y-%m-%d %H:%M:%S}"
