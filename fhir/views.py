"""FHIR R4 endpoints: adapters from FHIR requests to the apps' selectors and services, and back."""

import functools
import operator

from django.db.models import Q
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from appointments import selectors as appointment_selectors
from appointments.filters import AppointmentFilter
from appointments.models import status_filter
from appointments.statuses import FHIR_APPOINTMENT_STATUS, FHIR_SLOT_STATUS
from doctors import selectors as doctor_selectors
from doctors.filters import DoctorFilter, SlotFilter
from doctors.models import Slot, SlotStatus, Specialization
from fhir import capability
from fhir.api import FHIRView, invalid
from fhir.resources import (
    PROPOSED_PREFIX,
    SPECIALTY_SYSTEM,
    AppointmentSerializer,
    PatientSerializer,
    PractitionerSerializer,
    ProposedAppointmentSerializer,
    ScheduleSerializer,
    SlotSerializer,
)
from fhir.search import Search, bundle, positive_id, reference_id, token_code
from patients import selectors as patient_selectors
from patients import services as patient_services
from patients.models import PatientAccessLog
from scheduler.exceptions import NotFound
from scheduler.net import client_ip

# Every code of the R4 value sets: one we never emit finds nothing (not an error); anything else is a 400.
SLOT_CODES = ("busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error")
APPOINTMENT_CODES = (
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
)


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/R4/")


def specialty_names(rows) -> dict[int, str]:
    """{specialization id: name} for the rows' specializations, in one query (slot rows carry only the id)."""
    ids = {row.specialization_id for row in rows}
    return dict(Specialization.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def specialty_id(name: str, raw: str | None) -> int | None:
    code = token_code(name, raw, SPECIALTY_SYSTEM)
    return None if code is None else positive_id(name, code)


def checked(filterset, names: dict[str, str]):
    """A REST filterset's validation, its errors named by the FHIR parameters they came from."""
    if not filterset.is_valid():
        field, errors = next(iter(filterset.errors.items()))
        message = " ".join(errors)
        for rest_name, fhir_name in names.items():
            message = message.replace(rest_name, fhir_name)
        raise invalid(names.get(field, field), message)
    return filterset


def queryset_page(search: Search, queryset) -> tuple[list, int]:
    total = queryset.count()
    return list(queryset[search.offset : search.offset + search.count]), total


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
        doctors = doctor_selectors.doctor_list().order_by("pk")
        if (doctor_id := search.one("_id")) is not None:
            doctors = doctors.filter(pk=positive_id("_id", doctor_id))
        if (name := search.one("name")) is not None:
            doctors = checked(DoctorFilter({"search": name}, queryset=doctors), {"search": "name"}).qs
        rows, total = queryset_page(search, doctors)
        return Response(bundle(search, PractitionerSerializer(rows, many=True).data, total, base_url(request)))


class ScheduleView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            return Response(ScheduleSerializer(doctor_selectors.get_doctor(doctor_id=int(pk))).data)
        search = Search(request, capability.SEARCH_PARAMS["Schedule"])
        doctors = doctor_selectors.doctor_list().order_by("pk")
        if (doctor_id := search.one("_id")) is not None:
            doctors = doctors.filter(pk=positive_id("_id", doctor_id))
        if (actor := reference_id("actor", search.one("actor"), "Practitioner")) is not None:
            doctors = doctors.filter(pk=actor)
        if (specialization := specialty_id("specialty", search.one("specialty"))) is not None:
            doctors = doctors.filter(specialization_id=specialization)
        rows, total = queryset_page(search, doctors)
        return Response(bundle(search, ScheduleSerializer(rows, many=True).data, total, base_url(request)))


SLOT_PARAM_NAMES = {
    "doctor": "schedule",
    "specialization": "specialty",
    "status": "status",
    "start_after": "start",
    "start_before": "start",
}


class SlotView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            slot = doctor_selectors.get_slot(slot_id=int(pk))
            return Response(SlotSerializer(slot, context={"specialties": specialty_names([slot])}).data)
        search = Search(request, capability.SEARCH_PARAMS["Slot"])
        given = {
            "doctor": reference_id("schedule", search.one("schedule"), "Schedule"),
            "specialization": specialty_id("specialty", search.one("specialty")),
            "status": self._status(search.one("status")),
        }
        after, before = search.window("start")
        given.update(start_after=after, start_before=before)
        if given["status"] is UNUSED:
            return Response(bundle(search, [], 0, base_url(request)))
        filter_input = {name: (v.isoformat() if hasattr(v, "isoformat") else v) for name, v in given.items()}
        # The REST search's own validation (window at most 366 days, in order), then its one statement.
        checked(
            SlotFilter({k: v for k, v in filter_input.items() if v is not None}, queryset=Slot.objects.none()),
            SLOT_PARAM_NAMES,
        )
        slot_search = doctor_selectors.SlotSearch(**given)
        rows, total = doctor_selectors.search_slots(slot_search, limit=search.count, offset=search.offset)
        if total is None:  # a page past the last one: empty, and the count comes from the first
            total = doctor_selectors.search_slots(slot_search, limit=1, offset=0)[1]
        context = {"specialties": specialty_names(rows)}
        return Response(bundle(search, SlotSerializer(rows, many=True, context=context).data, total, base_url(request)))

    @staticmethod
    def _status(code: str | None):
        if code is None:
            return None
        ours = {fhir: status for status, fhir in FHIR_SLOT_STATUS.items()}
        if code in ours:
            return ours[code]
        if code in SLOT_CODES:
            return UNUSED
        raise invalid("status", f"Use one of {', '.join(SLOT_CODES)}.")


UNUSED = object()


class PatientView(FHIRView):
    """A patient profile, as the REST visibility allows; every read audited like the REST reads."""

    def get(self, request, pk):
        patient = patient_selectors.get_patient_for(user=request.user, patient_id=int(pk))
        patient_services.log_profile_access(
            user=request.user, patients=[patient], action=PatientAccessLog.Action.READ, ip=client_ip(request)
        )
        return Response(PatientSerializer(patient).data)


APPOINTMENT_PARAM_NAMES = {
    "patient": "patient",
    "doctor": "practitioner",
    "start_after": "date",
    "start_before": "date",
}


class AppointmentView(FHIRView):
    def get(self, request, pk=None):
        if pk is not None:
            return Response(self._read(request, pk))
        search = Search(request, capability.SEARCH_PARAMS["Appointment"])
        given = {
            "patient": reference_id("patient", search.one("patient"), "Patient"),
            "doctor": reference_id("practitioner", search.one("practitioner"), "Practitioner"),
        }
        after, before = search.window("date")
        given.update(start_after=after and after.isoformat(), start_before=before and before.isoformat())
        appointments = appointment_selectors.appointments_visible_to(request.user)
        appointments = checked(
            AppointmentFilter({k: v for k, v in given.items() if v is not None}, queryset=appointments),
            APPOINTMENT_PARAM_NAMES,
        ).qs
        if (codes := search.params.get("status")) is not None:
            # As the status reads now (an expired hold is cancelled), like the REST filter.
            now = timezone.now()
            appointments = appointments.filter(
                functools.reduce(operator.or_, (status_filter(s, now) for s in self._statuses(codes)), Q(pk__in=[]))
            )
        rows, total = queryset_page(search, appointments)
        return Response(bundle(search, AppointmentSerializer(rows, many=True).data, total, base_url(request)))

    @staticmethod
    def _read(request, pk: str) -> dict:
        if pk.startswith(PROPOSED_PREFIX):
            slot_id = positive_id("id", pk.removeprefix(PROPOSED_PREFIX))
            slot = doctor_selectors.slot_list().filter(pk=slot_id, status=SlotStatus.FREE).first()
            if slot is None:
                raise NotFound("This proposed appointment's slot is no longer free.")
            context = {"specialties": specialty_names([slot]), "patient_id": own_patient_id(request.user)}
            return ProposedAppointmentSerializer(slot, context=context).data
        appointment = appointment_selectors.get_appointment_for(user=request.user, appointment_id=positive_id("id", pk))
        return AppointmentSerializer(appointment).data

    @staticmethod
    def _statuses(codes: list[str]) -> list[str]:
        ours = {fhir: status for status, fhir in FHIR_APPOINTMENT_STATUS.items()}
        wanted = [code.strip() for value in codes for code in value.split(",")]
        for code in wanted:
            if code not in APPOINTMENT_CODES:
                raise invalid("status", f"Use one of {', '.join(APPOINTMENT_CODES)}.")
        return [ours[code] for code in wanted if code in ours]


def own_patient_id(user) -> int | None:
    profile = getattr(user, "patient_profile", None) if user.is_patient else None
    return profile.pk if profile is not None else None
