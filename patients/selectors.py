"""Patient queries: what each caller may see, with the query plan."""

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from patients.models import Patient
from scheduler.exceptions import NotFound


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """Admins see all; a doctor sees patients with an appointment with them; a patient sees themself."""
    patients = Patient.objects.select_related("user")
    if user.is_admin:
        return patients
    if user.is_doctor:
        from appointments.models import NOT_A_VISIT, Appointment

        # Holds and cancelled bookings do not count: a doctor sees the patients they see or have seen.
        treats = Appointment.objects.filter(patient=OuterRef("pk"), doctor__user=user).exclude(status__in=NOT_A_VISIT)
        return patients.filter(Exists(treats))
    if user.is_patient:
        return patients.filter(user=user)
    return patients.none()


def get_patient_for(*, user: User, patient_id: int) -> Patient:
    patient = patients_visible_to(user).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound("Patient not found.")
    return patient


def get_own_patient(*, user: User) -> Patient:
    patient = Patient.objects.select_related("user").filter(user=user).first()
    if patient is None:
        raise NotFound("You have no patient profile.")
    return patient
