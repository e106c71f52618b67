"""OpenAPI documentation of the waitlist endpoints."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from scheduler.apidocs import view_docs
from waitlist.serializers import ENTRY_EXAMPLE, WaitlistEntrySerializer, WaitlistJoinSerializer

NOT_FOUND = OpenApiResponse(description="No such entry, or not yours")
DOCTORS = OpenApiResponse(description="Doctors have no waitlist")

WAITLIST = view_docs(
    tags=["waitlist"],
    list=extend_schema(
        summary="List waitlist entries",
        description="Patients: their own; admins: all. Filter `?status=`.",
        responses={200: WaitlistEntrySerializer(many=True), 403: DOCTORS},
    ),
    create=extend_schema(
        summary="Join the waitlist",
        description=(
            "Wait for a free slot of a doctor, or of any doctor of a specialization, starting in "
            "`[start_after, start_before)`. When a matching slot becomes free (a cancellation, a reschedule, "
            "an expired hold, newly published hours), the oldest matching entry whose patient is free then is "
            "offered it: a hold in the patient's name (`appointment`, status `offered`) and a `waitlist_offer` "
            "notification; confirm it with `POST /api/appointments/{id}/confirm/` before it runs out. The offer is "
            "bound by the booking policy like the patient's own hold. Patients join for themselves; admins give "
            "`patient`."
        ),
        request=WaitlistJoinSerializer,
        examples=[
            OpenApiExample("Waiting", status_codes=["201"], response_only=True, value=ENTRY_EXAMPLE),
            OpenApiExample(
                "Already waiting",
                status_codes=["409"],
                response_only=True,
                value={
                    "detail": "The patient already waits for this doctor or specialization in an overlapping window.",
                    "code": "already_waiting",
                },
            ),
        ],
        responses={
            201: WaitlistEntrySerializer,
            400: OpenApiResponse(
                description="Not exactly one of doctor and specialization, an empty window, a window in the past "
                "or ending beyond the booking horizon"
            ),
            403: DOCTORS,
            409: OpenApiResponse(description="`already_waiting`: an overlapping waiting entry for the same target"),
        },
    ),
    destroy=extend_schema(
        summary="Leave the waitlist",
        description="Its patient or an admin. An offered hold is released (the slot goes to the next in line).",
        responses={204: None, 403: DOCTORS, 404: NOT_FOUND},
    ),
)
