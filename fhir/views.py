"""FHIR R4 endpoints: adapters from FHIR requests to the apps' selectors and services, and back."""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from appointments import selectors as appointment_selectors
from doctors import selectors as doctor_selectors
from fhir import capability, selectors
from fhir.api import FHIRView
from fhir.resources import (
    PROPOSED_PREFIX,
    AppointmentSerializer,
    PatientSerializer,
    PractitionerSerializer,
    ProposedAppointmentSerializer,
    ScheduleSerializer,
    SlotSerializer,
)
from fhir.search import Search, bundle, positive_id
from patients import selectors as patient_selectors
from patients import services as patient_services
from patients.models import PatientAccessLog
from scheduler.net import client_ip


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/R4/")


def searchset_response(request, search: Search, found: tuple[list, int], serializer_class, **context) -> Response:
    """One page of a search (its rows and total) as a ``searchset`` Bundle."""
    rows, total = found
    entries = serializer_class(rows, many=True, context=context).data
    return Response(bundle(search, entries, total, base_url(request)))


class MetadataView(FHIRView):
    """The CapabilityStatement: what this server supports, for anyone (no token)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(capability.statement(base_url(request)))


class PractitionerView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            return Response(PractitionerSerializer(doctor_selectors.get_doctor(doctor_id=int(pk))).data)
        search = Search(request, capability.SEARCH_PARAMS["Practitioner"])
        return searchset_response(request, search, selectors.practitioners(search), PractitionerSerializer)


class ScheduleView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            return Response(ScheduleSerializer(doctor_selectors.get_doctor(doctor_id=int(pk))).data)
        search = Search(request, capability.SEARCH_PARAMS["Schedule"])
        return searchset_response(request, search, selectors.schedules(search), ScheduleSerializer)


class SlotView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            slot = doctor_selectors.get_slot(slot_id=int(pk))
            return Response(SlotSerializer(slot, context={"specialties": selectors.specialty_names([slot])}).data)
        search = Search(request, capability.SEARCH_PARAMS["Slot"])
        rows, total = selectors.slots(search)
        specialties = selectors.specialty_names(rows)
        return searchset_response(request, search, (rows, total), SlotSerializer, specialties=specialties)


class PatientView(FHIRView):
    """A patient profile, as the REST visibility allows; every read audited like the REST reads."""

    def get(self, request, pk):
        patient = patient_selectors.get_patient_for(user=request.user, patient_id=int(pk))
        patient_services.log_profile_access(
            user=request.user, patients=[patient], action=PatientAccessLog.Action.READ, ip=client_ip(request)
        )
        return Response(PatientSerializer(patient).data)


class AppointmentView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            return Response(self._read(request, pk))
        search = Search(request, capability.SEARCH_PARAMS["Appointment"])
        return searchset_response(request, search, selectors.appointments(search, request.user), AppointmentSerializer)

    @staticmethod
    def _read(request, pk: str) -> dict:
        if pk.startswith(PROPOSED_PREFIX):
            slot = selectors.free_slot(positive_id("id", pk.removeprefix(PROPOSED_PREFIX)))
            context = {
                "specialties": selectors.specialty_names([slot]),
                "patient_id": selectors.own_patient_id(request.user),
            }
            return ProposedAppointmentSerializer(slot, context=context).data
        appointment = appointment_selectors.get_appointment_for(user=request.user, appointment_id=positive_id("id", pk))
        return AppointmentSerializer(appointment).data
