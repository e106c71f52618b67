"""Appointment queries: what each caller may see."""

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from appointments.models import NOT_A_VISIT, POLICY_PK, Appointment, BookingPolicy
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


def treats(user: User, patient: OuterRef) -> Exists:
    """The doctor ``user`` treats ``patient`` (a reference to a patient id in the outer query).

    The one "treats" rule: it decides which patients (``patients.selectors``, installed by
    ``AppointmentsConfig.ready``) and which medical records (``records.selectors``) a doctor sees. Cancelled
    bookings and holds do not count: a doctor sees the patients they see or have seen.
    """
    return Exists(Appointment.objects.filter(patient=patient, doctor__user=user).exclude(status__in=NOT_A_VISIT))


def get_booking_policy() -> BookingPolicy:
    """The clinic's booking policy, in one query: its row, or the defaults while no admin has changed it."""
    return BookingPolicy.objects.filter(pk=POLICY_PK).first() or BookingPolicy()
