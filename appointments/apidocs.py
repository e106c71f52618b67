"""OpenAPI documentation of the appointment endpoints: summaries, examples and answers."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from appointments.serializers import (
    APPOINTMENT_EXAMPLE,
    AppointmentBookSerializer,
    AppointmentCancelSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
)
from scheduler.apidocs import view_docs

NOT_FOUND = OpenApiResponse(description="No such appointment, or not yours")
INVALID_TRANSITION = OpenApiResponse(description="`invalid_transition`: not allowed from this status or time")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retry-safe booking: the same key and body return the first answer instead of booking again.",
)

BOOKING_EXAMPLES = [
    OpenApiExample("A patient books", value={"slot": 42, "reason": "Persistent cough"}, request_only=True),
    OpenApiExample("An admin books for a patient", value={"slot": 42, "patient": 7}, request_only=True),
    OpenApiExample("Booked", status_codes=["201"], response_only=True, value=APPOINTMENT_EXAMPLE),
    OpenApiExample(
        "Taken",
        status_codes=["409"],
        response_only=True,
        value={"detail": "This slot is already booked.", "code": "slot_unavailable"},
    ),
    OpenApiExample(
        "Overlaps another appointment",
        status_codes=["409"],
        response_only=True,
        value={"detail": "The patient already has an appointment at an overlapping time.", "code": "patient_conflict"},
    ),
]

BOOK = extend_schema(
    summary="Book a slot",
    description=(
        "Patients book for themselves; admins give `patient`. Exactly one of any number of simultaneous "
        "requests for a slot succeeds."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=AppointmentBookSerializer,
    examples=BOOKING_EXAMPLES,
    responses={
        201: AppointmentSerializer,
        400: OpenApiResponse(description="Invalid body, or the slot is in the past"),
        403: OpenApiResponse(description="Doctors cannot book"),
        409: OpenApiResponse(
            description="`slot_unavailable` (booked or deleted), `patient_conflict` (overlapping "
            "appointment), `idempotency_key_in_progress`"
        ),
        422: OpenApiResponse(description="`idempotency_key_reused` with a different body"),
    },
)

APPOINTMENTS = view_docs(
    tags=["appointments"],
    list=extend_schema(summary="List appointments", description="Patients and doctors: their own; admins: all."),
    retrieve=extend_schema(summary="Get an appointment", responses={200: AppointmentSerializer, 404: NOT_FOUND}),
    create=BOOK,
    cancel=extend_schema(
        summary="Cancel an appointment",
        description="Its patient (before it starts), its doctor or an admin. The slot becomes free again.",
        request=AppointmentCancelSerializer,
        responses={200: AppointmentSerializer, 404: NOT_FOUND, 409: INVALID_TRANSITION},
    ),
    complete=extend_schema(
        summary="Complete an appointment",
        description="Its doctor or an admin, once the visit has started.",
        request=None,
        responses={
            200: AppointmentSerializer,
            403: OpenApiResponse(description="Patients cannot complete"),
            404: NOT_FOUND,
            409: INVALID_TRANSITION,
        },
    ),
    no_show=extend_schema(
        summary="Mark a no-show",
        description="Its doctor or an admin, once the visit has started. The slot stays used.",
        request=None,
        responses={
            200: AppointmentSerializer,
            403: OpenApiResponse(description="Patients cannot"),
            404: NOT_FOUND,
            409: INVALID_TRANSITION,
        },
    ),
    reschedule=extend_schema(
        summary="Reschedule an appointment",
        description="Its patient (before it starts) or an admin: move to another free slot, all or nothing.",
        request=AppointmentRescheduleSerializer,
        responses={
            200: AppointmentSerializer,
            400: OpenApiResponse(description="Invalid body, or the new slot is in the past"),
            403: OpenApiResponse(description="Doctors cannot reschedule"),
            404: NOT_FOUND,
            409: OpenApiResponse(description="`slot_unavailable`, `patient_conflict` or `invalid_transition`"),
        },
    ),
)
