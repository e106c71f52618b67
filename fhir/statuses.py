"""STUB until the lifecycle branch (core18) is merged: then ``appointments.statuses`` is the one mapping and
this module goes. Same names and signatures as there, so only the import changes."""

from appointments.models import AppointmentStatus
from doctors.models import SlotStatus

FHIR_APPOINTMENT_STATUS: dict[str, str] = {
    AppointmentStatus.SCHEDULED: "booked",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}

FHIR_SLOT_STATUS: dict[str, str] = {
    SlotStatus.FREE: "free",
    SlotStatus.BOOKED: "busy",
}


def fhir_appointment_status(status: str) -> str:
    return FHIR_APPOINTMENT_STATUS[status]


def fhir_slot_status(status: str) -> str:
    return FHIR_SLOT_STATUS[status]
