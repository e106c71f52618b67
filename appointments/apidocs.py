"""OpenAPI documentation of the appointment endpoints: summaries, examples and answers."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from appointments.serializers import (
    APPOINTMENT_EXAMPLE,
    HOLD_EXAMPLE,
    POLICY_EXAMPLE,
    AppointmentBookSerializer,
    AppointmentCancelSerializer,
    AppointmentHoldSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
    BookingPolicySerializer,
    BookingPolicyUpdateSerializer,
)
from scheduler.apidocs import view_docs

NOT_FOUND = OpenApiResponse(description="No such appointment, or not yours")
INVALID_TRANSITION = OpenApiResponse(description="`invalid_transition`: not allowed from this status or time")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Retry-safe: a retry with the same key and body to the same endpoint returns the first answer (marked "
        "`Idempotent-Replayed: true`) instead of acting again. Keys are per user and endpoint; the same key "
        "with another body → 422 `idempotency_key_reused`; while the first request runs → 409 "
        "`idempotency_key_in_progress`."
    ),
)
KEY_REUSED = OpenApiResponse(description="`idempotency_key_reused`: this key was used with a different body")
# Every 409 a command that takes a slot can answer.
TAKE_SLOT_CONFLICTS = (
    "`slot_unavailable` (booked, held or deleted), `patient_conflict` (overlapping appointment), "
    "`policy_violation` (patients only: the booking policy's notice or horizon; `detail` names the rule), "
    "`idempotency_key_in_progress`"
)


def conflict(summary: str, code: str, detail: str) -> OpenApiExample:
    return OpenApiExample(summary, status_codes=["409"], response_only=True, value={"detail": detail, "code": code})


POLICY_CONFLICT = conflict(
    "Too soon for the policy",
    "policy_violation",
    "Booking policy min_notice_minutes: book at least 60 minutes ahead.",
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
        409: OpenApiResponse(description=TAKE_SLOT_CONFLICTS),
        422: KEY_REUSED,
    },
)

HOLD = extend_schema(
    summary="Hold a slot",
    description=(
        "Keep a slot while the patient completes the booking: the appointment is `pending` until "
        "`hold_expires_at` (the booking policy's `hold_seconds` from now, never past the start) and the slot "
        "reads `held`. Confirm it to book; cancel it to release it; once its time runs out it reads "
        "`cancelled` and the slot is free for anyone. Patients hold for themselves; admins give `patient`. "
        "The same locks and conflicts as booking: exactly one of any number of simultaneous holds or "
        "bookings of a slot succeeds."
    ),
    operation_id="appointments_hold",
    parameters=[IDEMPOTENCY_KEY],
    request=AppointmentHoldSerializer,
    examples=[
        OpenApiExample("A patient holds", value={"slot": 42, "reason": "Persistent cough"}, request_only=True),
        OpenApiExample("An admin holds for a patient", value={"slot": 42, "patient": 7}, request_only=True),
        OpenApiExample("Held", status_codes=["201"], response_only=True, value=HOLD_EXAMPLE),
        conflict("Taken or held", "slot_unavailable", "This slot is already booked."),
        POLICY_CONFLICT,
    ],
    responses={
        201: AppointmentSerializer,
        400: OpenApiResponse(description="Invalid body, or the slot is in the past"),
        403: OpenApiResponse(description="Doctors cannot hold"),
        404: OpenApiResponse(description="Admins: no such patient"),
        409: OpenApiResponse(description=TAKE_SLOT_CONFLICTS),
        422: KEY_REUSED,
    },
)

CONFIRM = extend_schema(
    summary="Confirm a hold",
    description=(
        "Its patient or an admin turns a `pending` hold into a booking: `scheduled`, the slot `booked`. "
        "Confirming a `scheduled` appointment again answers it unchanged. After `hold_expires_at` → 409 "
        "`hold_expired`, decided under the same locks as the expiry: confirmed or expired, never both."
    ),
    operation_id="appointments_confirm",
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    examples=[
        OpenApiExample("Confirmed", status_codes=["200"], response_only=True, value=APPOINTMENT_EXAMPLE),
        conflict("Too late", "hold_expired", "The hold has expired; hold the slot again."),
        conflict("Not a hold", "invalid_transition", "A cancelled appointment cannot be confirmed."),
    ],
    responses={
        200: AppointmentSerializer,
        403: OpenApiResponse(description="Doctors cannot confirm"),
        404: NOT_FOUND,
        409: OpenApiResponse(
            description="`hold_expired` (its time ran out), `invalid_transition` (released or cancelled), "
            "`idempotency_key_in_progress`"
        ),
        422: KEY_REUSED,
    },
)

CHECK_IN = extend_schema(
    summary="Check a patient in",
    description=(
        "Its doctor or an admin: the patient has arrived. From `scheduled`, on the clinic's calendar day of "
        "the visit (in the clinic's time zone) and before its end."
    ),
    operation_id="appointments_check_in",
    request=None,
    examples=[
        OpenApiExample(
            "Arrived", status_codes=["200"], response_only=True, value={**APPOINTMENT_EXAMPLE, "status": "checked_in"}
        ),
        conflict(
            "Another day", "invalid_transition", "Check-in is on the day of the visit (2027-03-01, Europe/Berlin)."
        ),
    ],
    responses={
        200: AppointmentSerializer,
        403: OpenApiResponse(description="Patients cannot check in"),
        404: NOT_FOUND,
        409: OpenApiResponse(
            description="`invalid_transition`: not `scheduled`, not the visit's day, or the visit is over"
        ),
    },
)

APPOINTMENTS = view_docs(
    tags=["appointments"],
    list=extend_schema(summary="List appointments", description="Patients and doctors: their own; admins: all."),
    retrieve=extend_schema(summary="Get an appointment", responses={200: AppointmentSerializer, 404: NOT_FOUND}),
    create=BOOK,
    hold=HOLD,
    confirm=CONFIRM,
    check_in=CHECK_IN,
    cancel=extend_schema(
        summary="Cancel an appointment",
        description=(
            "Its patient (before it starts), its doctor or an admin. The slot becomes free again; a `pending` "
            "hold is released. Patients cancel a booking no later than the booking policy's "
            "`cancellation_cutoff_minutes` before its start."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=AppointmentCancelSerializer,
        examples=[
            OpenApiExample("Cancel", value={"reason": "Feeling better"}, request_only=True),
            conflict("Already over", "invalid_transition", "A cancelled appointment cannot be cancelled."),
            conflict(
                "Too late for the policy",
                "policy_violation",
                "Booking policy cancellation_cutoff_minutes: cancel or reschedule at least 1440 minutes "
                "before the start; ask the clinic.",
            ),
        ],
        responses={
            200: AppointmentSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="`invalid_transition` (not pending or scheduled, or started), `policy_violation` "
                "(patients: the cancellation cut-off), `idempotency_key_in_progress`"
            ),
            422: KEY_REUSED,
        },
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
        description=(
            "Its patient (before it starts) or an admin: move a `scheduled` appointment to another free slot, "
            "all or nothing. Patients are bound by the booking policy (cut-off, notice, horizon)."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=AppointmentRescheduleSerializer,
        responses={
            200: AppointmentSerializer,
            400: OpenApiResponse(description="Invalid body, or the new slot is in the past"),
            403: OpenApiResponse(description="Doctors cannot reschedule"),
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="`slot_unavailable`, `patient_conflict`, `invalid_transition`, `policy_violation` "
                "(patients) or `idempotency_key_in_progress`"
            ),
            422: KEY_REUSED,
        },
    ),
)

BOOKING_POLICY = view_docs(
    tags=["appointments"],
    retrieve=extend_schema(
        summary="Get the booking policy",
        description=(
            "The clinic's booking policy, for everyone signed in. It binds patients only: booking, holding or "
            "moving into a slot sooner than `min_notice_minutes` or later than `booking_horizon_days` ahead, "
            "and cancelling or moving a booking less than `cancellation_cutoff_minutes` before its start, "
            "are 409 `policy_violation`. Holds last `hold_seconds`."
        ),
        operation_id="booking_policy_retrieve",
        responses={200: BookingPolicySerializer},
        examples=[OpenApiExample("Policy", value=POLICY_EXAMPLE, response_only=True)],
    ),
    partial_update=extend_schema(
        summary="Change the booking policy",
        description=(
            "Admins: change any of the values, each within its range (`hold_seconds` 10–3600); the minimum "
            "notice must stay shorter than the horizon. A value out of range is a 400 naming the field."
        ),
        operation_id="booking_policy_update",
        request=BookingPolicyUpdateSerializer,
        responses={
            200: BookingPolicySerializer,
            400: OpenApiResponse(description="A value out of its range, or an unknown field"),
            403: OpenApiResponse(description="Only admins change the policy"),
        },
    ),
)
