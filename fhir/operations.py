"""IHE ITI Scheduling on Appointment: ``$find`` (ITI-115), ``$hold`` (ITI-116), ``$book`` (ITI-117).

They run on the REST API's selectors and services: ``$find`` is the slot search, ``$hold`` the REST hold and
``$book`` the REST booking (or the confirmation of a hold), with the same roles, policy and conflicts.
"""

from django.core.exceptions import ValidationError
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsPatient
from appointments import selectors as appointment_selectors
from appointments import services as appointment_services
from fhir import selectors
from fhir.api import FHIRError, FHIRView, invalid
from fhir.resources import PROPOSED_PREFIX, AppointmentSerializer, ProposedAppointmentSerializer
from fhir.search import Search, bundle, parse_date, positive_id, reference_id, searchset
from fhir.views import base_url
from patients import selectors as patient_selectors
from scheduler import idempotency
from scheduler.exceptions import NotFound, SlotUnavailable

FIND_PARAMS = ("start", "end", "specialty", "practitioner")
# A Parameters resource's value[x] types we read (each as its string form).
VALUE_KEYS = ("valueString", "valueDateTime", "valueInstant", "valueCode", "valueUri", "valueId", "valueInteger")


def parameters(request) -> dict[str, list[str]]:
    """A POSTed ``Parameters`` resource as {name: [values]}; a Reference is its ``reference``."""
    body = request.data
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise invalid("body", "Send a Parameters resource.")
    given: dict[str, list[str]] = {}
    items = body.get("parameter", [])
    if not isinstance(items, list):
        raise invalid("parameter", "Must be a list.")
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise invalid("parameter", "Every parameter needs a name.")
        value = next((item[key] for key in VALUE_KEYS if key in item), None)
        ref = item.get("valueReference")
        if isinstance(ref, dict):
            value = ref.get("reference")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise invalid(name, "Give a value (valueString, valueDateTime, valueReference ...).")
        given.setdefault(name, []).append(str(value))
    return given


def instant_param(search: Search, name: str):
    raw = search.one(name)
    if raw is None:
        raise invalid(name, "This parameter is required.")
    prefix, value = parse_date(name, raw)
    if prefix != "eq" or raw.strip()[:2].isalpha():
        raise invalid(name, "Give an instant without a prefix.")
    return value


class FindView(FHIRView):
    """ITI-115: a ``searchset`` of ``proposed`` Appointments, one per free slot in ``[start, end)``."""

    def get(self, request):
        return self._find(request, None)

    def post(self, request):
        return self._find(request, parameters(request))

    def _find(self, request, given):
        search = Search(request, FIND_PARAMS, given)
        start, end = instant_param(search, "start"), instant_param(search, "end")
        if end <= start:
            raise invalid("end", "Must be later than start.")
        rows, total = selectors.bookable_slots(search, start, end)
        context = {"specialties": selectors.specialty_names(rows), "patient_id": selectors.own_patient_id(request.user)}
        entries = ProposedAppointmentSerializer(rows, many=True, context=context).data
        return Response(bundle(search, entries, total, base_url(request)))


class _ScheduleOperation(FHIRView):
    """``$hold`` and ``$book``: a patient for themself, an admin for ``patient-reference``; doctors 403.

    Both take an ``Idempotency-Key`` as the REST hold and booking do: these are operations, not creates, so
    FHIR's conditional create (``If-None-Exist``) does not apply, and an engine that retries after a timeout
    must not hold or book twice.
    """

    permission_classes = [IsPatient | IsAdmin]

    def post(self, request):
        search = Search(request, ("appointment-reference", "patient-reference"), parameters(request))
        appointment_id = self.appointment_id(search)

        def operation() -> tuple[int, dict]:
            appointment = self.run_as_fhir(request, search, appointment_id)
            return 200, searchset([AppointmentSerializer(appointment).data], 1, base_url(request))

        return idempotency.respond_once(request, operation)

    @staticmethod
    def appointment_id(search: Search) -> str:
        """``Appointment/proposed-42`` or ``Appointment/7`` → ``proposed-42`` or ``7``."""
        raw = search.one("appointment-reference")
        if raw is None:
            raise invalid("appointment-reference", "This parameter is required.")
        target = raw.rstrip("/").rsplit("/", 2)
        if len(target) < 2 or target[-2] != "Appointment":
            raise invalid("appointment-reference", "Give an Appointment reference, e.g. Appointment/proposed-42.")
        return target[-1]

    def run_as_fhir(self, request, search: Search, appointment_id: str):
        """``run``, its errors as ITI-116/117 answer them."""
        try:
            return self.run(request, search, appointment_id)
        except SlotUnavailable as exc:
            # ITI-116/117: the time is gone. The status is the REST API's (409), the issue fatal/not-found.
            raise FHIRError(
                409, exc.detail, severity="fatal", issue_type="not-found", code=exc.code, where="appointment-reference"
            ) from exc
        except ValidationError as exc:  # a slot in the past
            raise invalid("appointment-reference", " ".join(exc.messages)) from exc

    @staticmethod
    def patient(request, search: Search):
        patient_id = reference_id("patient-reference", search.one("patient-reference"), "Patient")
        if request.user.is_admin:
            if patient_id is None:
                raise invalid("patient-reference", "An admin must say which patient (Patient/{id}).")
            return patient_selectors.get_patient_for(user=request.user, patient_id=patient_id)
        own = patient_selectors.get_own_patient(user=request.user)
        if patient_id is not None and patient_id != own.pk:
            raise NotFound("Patient not found.")
        return own

    @staticmethod
    def proposed_slot(appointment_id: str) -> int | None:
        if appointment_id.startswith(PROPOSED_PREFIX):
            return positive_id("appointment-reference", appointment_id.removeprefix(PROPOSED_PREFIX))
        return None

    def run(self, request, search, appointment_id):
        raise NotImplementedError


class HoldView(_ScheduleOperation):
    """ITI-116: the REST hold of a proposed Appointment's slot, for the calling patient: ``pending``."""

    def run(self, request, search, appointment_id):
        slot_id = self.proposed_slot(appointment_id)
        if slot_id is None:
            raise invalid("appointment-reference", "Give a proposed Appointment from $find.")
        patient = self.patient(request, search)
        return appointment_services.hold_appointment(patient=patient, slot_id=slot_id, by=request.user)


class BookView(_ScheduleOperation):
    """ITI-117: a proposed Appointment is booked at once; a held one (``Appointment/{id}``) is confirmed."""

    def run(self, request, search, appointment_id):
        slot_id = self.proposed_slot(appointment_id)
        if slot_id is not None:
            patient = self.patient(request, search)
            return appointment_services.book_appointment(patient=patient, slot_id=slot_id, by=request.user)
        # Visibility first: another patient's hold is a 404, as in REST.
        held = appointment_selectors.get_appointment_for(
            user=request.user, appointment_id=positive_id("appointment-reference", appointment_id)
        )
        return appointment_services.confirm_appointment(appointment=held, by=request.user)
