import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from scheduler.fields import EncryptedTextField
from scheduler.models import TimeStampedModel

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


class Patient(TimeStampedModel):
    """The profile of a patient user. Insurance details are encrypted at rest (DesignDecisions.md)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient_profile")
    phone = PhoneNumberField(db_index=True)
    date_of_birth = models.DateField(validators=[MinValueValidator(EARLIEST_BIRTH_DATE)])
    insurance_name = EncryptedTextField(blank=True, default="")
    insurance_number = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="patients_patient_dob_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.full_name or self.user.email} (patient {self.pk})"
