"""OpenAPI documentation of the doctor, department, specialization and slot endpoints."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from doctors.serializers import (
    AvailabilityResultSerializer,
    AvailabilitySerializer,
    DepartmentSerializer,
    DoctorCreateSerializer,
    DoctorSerializer,
    DoctorUpdateSerializer,
    NameCreateSerializer,
    SlotSerializer,
    SpecializationSerializer,
)
from scheduler.apidocs import view_docs

NOT_FOUND = OpenApiResponse(description="No such doctor")
ADMINS_ONLY = OpenApiResponse(description="Only admins may do this")

DEPARTMENTS = view_docs(
    tags=["doctors"],
    list=extend_schema(summary="List departments"),
    retrieve=extend_schema(summary="Get a department"),
    create=extend_schema(
        summary="Create a department (admin)",
        request=NameCreateSerializer,
        responses={201: DepartmentSerializer, 403: ADMINS_ONLY},
    ),
)

SPECIALIZATIONS = view_docs(
    tags=["doctors"],
    list=extend_schema(summary="List specializations"),
    retrieve=extend_schema(summary="Get a specialization"),
    create=extend_schema(
        summary="Create a specialization (admin)",
        request=NameCreateSerializer,
        responses={201: SpecializationSerializer, 403: ADMINS_ONLY},
    ),
)

MONDAY_MORNING = OpenApiExample(
    "Monday morning",
    request_only=True,
    value={"start": "2027-03-01T08:00:00+01:00", "end": "2027-03-01T12:30:00+01:00"},
)
EVERY_MONDAY = OpenApiExample(
    "Every Monday until June",
    request_only=True,
    value={
        "start": "2027-03-01T08:00:00+01:00",
        "end": "2027-03-01T12:00:00+01:00",
        "repeat_weekly_until": "2027-06-28",
        "time_zone": "Europe/Berlin",
    },
)
OVERLAP = OpenApiExample(
    "Overlap",
    status_codes=["409"],
    response_only=True,
    value={
        "detail": "The period overlaps existing slots of this doctor.",
        "code": "slot_overlap",
        "conflicts": [
            {"id": 17, "start": "2027-03-01T08:00:00+00:00", "end": "2027-03-01T09:00:00+00:00", "status": "free"}
        ],
    },
)

AVAILABILITY = extend_schema(
    summary="Publish working hours as 1-hour slots",
    description=(
        "Split `start`..`end` into consecutive 1-hour slots (a remainder under an hour is reported in "
        "`unused_minutes`). With `repeat_weekly_until`, the same local hours repeat every week up to "
        "that date, in `time_zone` (default: the clinic's). All slots or none: any overlap with an "
        "existing slot of this doctor is a 409 `slot_overlap` listing the conflicts."
    ),
    request=AvailabilitySerializer,
    examples=[MONDAY_MORNING, EVERY_MONDAY, OVERLAP],
    responses={
        201: AvailabilityResultSerializer,
        400: OpenApiResponse(description="Naive datetime, end <= start, under an hour, too long, too many"),
        403: OpenApiResponse(description="Not this doctor and not an admin"),
        404: NOT_FOUND,
        409: OpenApiResponse(description="`slot_overlap`: overlaps existing slots (listed in `conflicts`)"),
    },
)

DOCTORS = view_docs(
    tags=["doctors"],
    list=extend_schema(summary="Find doctors", description="Filter by specialization, department, status, name."),
    retrieve=extend_schema(summary="Get a doctor", responses={200: DoctorSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Create a doctor (admin)",
        request=DoctorCreateSerializer,
        responses={
            201: DoctorSerializer,
            400: OpenApiResponse(description="Invalid field or email taken"),
            403: ADMINS_ONLY,
        },
    ),
    partial_update=extend_schema(
        summary="Update a doctor",
        description="The doctor edits their name, phone, bio and status; an admin edits everything.",
        request=DoctorUpdateSerializer,
        responses={200: DoctorSerializer, 403: OpenApiResponse(description="Not yours, or an admin-only field")},
    ),
    me=extend_schema(
        summary="My doctor profile",
        description="The signed-in doctor's own profile.",
        responses={200: DoctorSerializer, 403: OpenApiResponse(description="Only doctors have a doctor profile")},
    ),
    availability=AVAILABILITY,
)

SLOTS = view_docs(
    tags=["slots"],
    list=extend_schema(
        summary="Find slots",
        description="Earliest first. Filter by doctor, specialization, department, status and start window.",
    ),
    retrieve=extend_schema(summary="Get a slot", responses={200: SlotSerializer, 404: OpenApiResponse()}),
    destroy=extend_schema(
        summary="Delete a free slot",
        responses={
            204: None,
            403: OpenApiResponse(description="Not the slot's doctor and not an admin"),
            404: OpenApiResponse(description="No such slot"),
            409: OpenApiResponse(description="`slot_unavailable`: the slot is booked"),
        },
    ),
)
