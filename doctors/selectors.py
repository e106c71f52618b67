"""Doctor, department and specialization queries."""

from django.db.models import QuerySet

from doctors.models import Doctor
from scheduler.exceptions import NotFound


def doctor_list() -> QuerySet[Doctor]:
    """Every doctor with what the profile shows, in one query."""
    return Doctor.objects.select_related("user", "specialization", "department").filter(user__is_active=True)


def get_doctor(*, doctor_id: int) -> Doctor:
    doctor = doctor_list().filter(pk=doctor_id).first()
    if doctor is None:
        raise NotFound("Doctor not found.")
    return doctor


def get_own_doctor(*, user) -> Doctor:
    doctor = doctor_list().filter(user=user).first()
    if doctor is None:
        raise NotFound("You have no doctor profile.")
    return doctor
