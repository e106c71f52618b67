import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from accounts.models import Role
from scheduler.fields import EncryptedTextField
from scheduler.models import AppendOnlyModel, TimeStampedModel

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


class Patient(TimeStampedModel):
    """The profile of a patient user. Insurance details are encrypted at rest (DesignDecisions.md)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient_profile")
    phone = PhoneNumberField(db_index=True)
    date_of_birth = models.DateField(validators=[MinValueValidator(EARLIEST_BIRTH_DATE)])
    insurance_name = EncryptedTextField(blank=True, default="")
    insurance_number = EncryptedTextField(blank=True, default="")
    # Always "patient": (user, user_role) references the user's (id, role) (patients migration 0002), so
    # only a patient-role user can own this profile, and keeps that role.
    user_role = models.CharField(max_length=16, default=Role.PATIENT, db_default=Role.PATIENT, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user_role=Role.PATIENT), name="patients_patient_user_role_patient"
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="patients_patient_dob_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.full_name or self.user.email} (patient {self.pk})"


class PatientAccessLog(AppendOnlyModel):
    """Who read which patient's profile (insurance details are PHI), when and from where.

    Append-only like the medical records' audit trail: the model refuses changes and a database
    trigger refuses UPDATE and DELETE (migration 0002).
    """

    class Action(models.TextChoices):
        READ = "read"
        LIST = "list"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_log")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"], name="access_by_patient")]

    def __str__(self) -> str:
        return f"{self.action} of patient {self.patient_id} by user {self.user_id} at {self.at:%Y-%m-%d %H:%M:%S}"
