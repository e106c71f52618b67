from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField

from scheduler.models import TimeStampedModel


class Department(TimeStampedModel):
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="doctors_department_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Specialization(TimeStampedModel):
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="doctors_specialization_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class AvailabilityStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    OCCUPIED = "occupied", "Occupied"


class Doctor(TimeStampedModel):
    """A doctor's profile; name and email live on the user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="doctor_profile")
    phone = PhoneNumberField(blank=True, default="")
    specialization = models.ForeignKey(Specialization, on_delete=models.PROTECT, related_name="doctors")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="doctors")
    availability_status = models.CharField(
        max_length=16, choices=AvailabilityStatus.choices, default=AvailabilityStatus.AVAILABLE
    )
    bio = models.TextField(blank=True, default="", max_length=2000)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(availability_status__in=AvailabilityStatus.values),
                name="doctors_doctor_availability_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Dr. {self.user.full_name or self.user.email}"
