"""Patient queries: what each caller may see, with the query plan."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from patients.models import Patient
from scheduler.exceptions import NotFound

# "This doctor treats this patient" reads appointments, a layer above patients: the rule is written once,
# in ``appointments.selectors.treats``, and appointments hands it over at start-up
# (``AppointmentsConfig.ready`` calls ``set_treats_rule``), so patients never imports appointments.
TreatsRule = Callable[[User, OuterRef], Exists]
_treats: TreatsRule | None = None


def set_treats_rule(rule: TreatsRule) -> None:
    """Install the rule a doctor's view of patients uses: ``rule(doctor_user, OuterRef(patient id))``."""
    global _treats
    _treats = rule


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """Admins see all; a doctor the patients they treat (``appointments.selectors.treats``); a patient themself."""
    patients = Patient.objects.select_related("user")
    if user.is_admin:
        return patients
    if user.is_doctor:
        if _treats is None:
            raise ImproperlyConfigured("The appointments app has not installed the treats rule.")
        return patients.filter(_treats(user, OuterRef("pk")))
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
