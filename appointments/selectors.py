"""Appointment queries: what each caller may see."""

from django.db.models import QuerySet

from accounts.models import User
from appointments.models import POLICY_PK, Appointment, BookingPolicy
from scheduler.exceptions import NotFound


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """Admins see all; a doctor their own schedule; a patient their own appointments."""
    appointments = Appointment.objects.select_related("cancelled_by").order_by("start", "id")
    if user.is_admin:
        return appointments
    if user.is_doctor:
        return appointments.filter(doctor__user=user)
    if user.is_patient:
        return appointments.filter(patient__user=user)
    return appointments.none()


def get_appointment_for(*, user: User, appointment_id: int) -> Appointment:
    appointment = appointments_visible_to(user).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound("Appointment not found.")
    return appointment


def get_booking_policy() -> BookingPolicy:
    """The clinic's booking policy, in one query: its row, or the defaults while no admin has changed it."""
    return BookingPolicy.objects.filter(pk=POLICY_PK).first() or BookingPolicy()
