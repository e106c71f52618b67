"""Our status words and their FHIR R4 codes (API.md's table): the one place that maps them.

``booked`` is not a FHIR Slot code and ``scheduled`` is not an Appointment code, so every FHIR output goes
through these maps; a test fails when a status has no code here.
"""

from appointments.models import AppointmentStatus
from doctors.models import SlotStatus

# FHIR R4 Appointment.status (value set appointmentstatus).
FHIR_APPOINTMENT_STATUS: dict[str, str] = {
    AppointmentStatus.PENDING: "pending",
    AppointmentStatus.SCHEDULED: "booked",
    AppointmentStatus.CHECKED_IN: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}

# FHIR R4 Slot.status (value set slotstatus).
FHIR_SLOT_STATUS: dict[str, str] = {
    SlotStatus.FREE: "free",
    SlotStatus.HELD: "busy-tentative",
    SlotStatus.BOOKED: "busy",
}


def fhir_appointment_status(status: str) -> str:
    """The FHIR code of an appointment status (pass ``effective_status``: an expired hold is cancelled)."""
    return FHIR_APPOINTMENT_STATUS[status]


def fhir_slot_status(status: str) -> str:
    return FHIR_SLOT_STATUS[status]
