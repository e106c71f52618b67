"""FHIR R4 resources as DRF serializers: our models in, FHIR JSON out (read-only).

Every id is the REST id; every status goes through the one mapping (``appointments.statuses``). FHIR forbids empty
values (``""``, ``[]``, ``{}``, ``null``), so each resource drops them before it is answered.
"""

import datetime
from typing import Any

from rest_framework import serializers

from accounts.models import Role
from appointments.statuses import fhir_appointment_status, fhir_slot_status
from scheduler.api import utc_iso

# Our specializations are the clinic's own list, not SNOMED CT or NUCC codes, so they are coded in a
# code system of ours: the code is the specialization's id, the display its name (DesignDecisions.md, FHIR).
SPECIALTY_SYSTEM = "urn:clinic-scheduler:specialization"
# Our 409 codes (``slot_unavailable``, ...) in an OperationOutcome's ``details``.
ERROR_CODE_SYSTEM = "urn:clinic-scheduler:error-code"
# HL7's value set for Appointment.cancelationReason, coded by who cancelled.
CANCELLATION_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
PROPOSED_PREFIX = "proposed-"


def prune(value: Any) -> Any:
    """``value`` without the empty elements FHIR forbids (recursively)."""
    if isinstance(value, dict):
        pruned = {key: prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [item for item in (prune(item) for item in value) if item not in (None, "", [], {})]
    return value


def instant(value: datetime.datetime | None) -> str | None:
    return utc_iso(value)


def specialty(specialization_id: int, name: str | None) -> dict:
    """A specialization as a CodeableConcept: our code system, and the name as text."""
    return {"coding": [{"system": SPECIALTY_SYSTEM, "code": str(specialization_id), "display": name}], "text": name}


def human_name(user) -> list[dict]:
    return [
        {
            "use": "official",
            "family": user.last_name,
            "given": [user.first_name] if user.first_name else [],
            "text": user.full_name,
        }
    ]


def reference(resource_type: str, resource_id: Any, display: str | None = None) -> dict:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


class Resource(serializers.Serializer):
    """A read-only FHIR resource: ``resourceType``, ``id``, ``meta.lastUpdated``, then ``body()``."""

    resource_type = ""

    def resource_id(self, obj) -> str:
        return str(obj.pk)

    def last_updated(self, obj) -> datetime.datetime | None:
        return getattr(obj, "updated_at", None)

    def body(self, obj) -> dict:
        raise NotImplementedError

    def to_representation(self, instance) -> dict:
        head = {
            "resourceType": self.resource_type,
            "id": self.resource_id(instance),
            "meta": {"lastUpdated": instant(self.last_updated(instance))},
        }
        return prune({**head, **self.body(instance)})


class PractitionerSerializer(Resource):
    """A doctor. Their work phone and email are public to signed-in users in the REST API too."""

    resource_type = "Practitioner"

    def body(self, doctor) -> dict:
        user = doctor.user
        return {
            "active": user.is_active,
            "name": human_name(user),
            "telecom": [
                {"system": "phone", "value": str(doctor.phone or ""), "use": "work"},
                {"system": "email", "value": user.email, "use": "work"},
            ],
        }


class ScheduleSerializer(Resource):
    """A doctor's one schedule: ``Schedule/{doctor id}``."""

    resource_type = "Schedule"

    def body(self, doctor) -> dict:
        return {
            "active": doctor.user.is_active,
            "specialty": [specialty(doctor.specialization_id, doctor.specialization.name)],
            "actor": [reference("Practitioner", doctor.pk, doctor.user.full_name)],
        }


class SlotSerializer(Resource):
    """A slot. Slot rows carry no ``updated_at`` (their index-only search would pay for one), so no
    ``meta.lastUpdated``; the specialty's name comes from ``context["specialties"]`` ({id: name})."""

    resource_type = "Slot"

    def last_updated(self, obj) -> None:
        return None

    def body(self, slot) -> dict:
        names = self.context.get("specialties", {})
        return {
            "schedule": reference("Schedule", slot.doctor_id),
            "status": fhir_slot_status(slot.status),
            "specialty": [specialty(slot.specialization_id, names.get(slot.specialization_id))],
            "start": instant(slot.start),
            "end": instant(slot.end),
        }


class PatientSerializer(Resource):
    """A patient: name, contact and birth date. Insurance details are not part of Patient (they would be a
    Coverage, which we do not offer)."""

    resource_type = "Patient"

    def body(self, patient) -> dict:
        user = patient.user
        return {
            "active": user.is_active,
            "name": human_name(user),
            "telecom": [
                {"system": "phone", "value": str(patient.phone or ""), "use": "mobile"},
                {"system": "email", "value": user.email},
            ],
            "birthDate": patient.date_of_birth.isoformat(),
        }


# appointment-cancellation-reason codes by the canceller's role (an admin or an expired hold: text only).
_WHO_CANCELLED = {Role.PATIENT: ("pat", "Patient"), Role.DOCTOR: ("prov", "Provider")}


def _cancellation_reason(appointment) -> dict:
    by = appointment.cancelled_by
    code = _WHO_CANCELLED.get(by.role) if by is not None else None
    coding = [{"system": CANCELLATION_REASON_SYSTEM, "code": code[0], "display": code[1]}] if code else []
    return {"coding": coding, "text": appointment.cancellation_reason}


class AppointmentSerializer(Resource):
    """An appointment, its status mapped; patient and practitioner as participants (app-1: each an actor)."""

    resource_type = "Appointment"

    def body(self, appointment) -> dict:
        status = fhir_appointment_status(appointment.effective_status)
        return {
            "status": status,
            # app-4: a cancellation reason only on a cancelled (or no-show) appointment.
            "cancelationReason": _cancellation_reason(appointment) if status == "cancelled" else None,
            "reasonCode": [{"text": appointment.reason}] if appointment.reason else [],
            "start": instant(appointment.start),
            "end": instant(appointment.end),
            "created": instant(appointment.created_at),
            "slot": [reference("Slot", appointment.slot_id)] if appointment.slot_id else [],
            "participant": [
                {"actor": reference("Patient", appointment.patient_id), "required": "required", "status": "accepted"},
                {
                    "actor": reference("Practitioner", appointment.doctor_id),
                    "required": "required",
                    "status": "accepted",
                },
            ],
        }


class ProposedAppointmentSerializer(Resource):
    """A free slot offered by ``$find``: ``Appointment/proposed-{slot id}``, which ``$hold``/``$book`` take.

    Nothing is stored: the id names the slot, so it resolves for as long as the slot is free.
    """

    resource_type = "Appointment"

    def resource_id(self, slot) -> str:
        return f"{PROPOSED_PREFIX}{slot.pk}"

    def last_updated(self, obj) -> None:
        return None

    def body(self, slot) -> dict:
        names = self.context.get("specialties", {})
        patient_id = self.context.get("patient_id")
        participants = [
            {"actor": reference("Practitioner", slot.doctor_id), "required": "required", "status": "accepted"}
        ]
        if patient_id is not None:
            participants.append(
                {"actor": reference("Patient", patient_id), "required": "required", "status": "needs-action"}
            )
        return {
            "status": "proposed",
            "specialty": [specialty(slot.specialization_id, names.get(slot.specialization_id))],
            "start": instant(slot.start),
            "end": instant(slot.end),
            "slot": [reference("Slot", slot.pk)],
            "participant": participants,
        }
