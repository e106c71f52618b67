"""OpenAPI documentation of the calendar-feed token endpoint (the feed itself is not under /api/)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from calendar_feed.serializers import CalendarTokenSerializer
from scheduler.apidocs import view_docs

CALENDAR_TOKEN = view_docs(
    tags=["calendar"],
    post=extend_schema(
        summary="Create (or replace) the calendar feed URL",
        description=(
            "A secret iCalendar URL `/calendar/<token>.ics` for the caller's appointments (a patient's own, a "
            "doctor's own), from 30 days back to a year ahead. It needs no Authorization header: subscribe to it "
            "in a calendar app. Only the token's SHA-256 is stored, so the URL is shown once; a new POST replaces "
            "it and the old URL answers 404."
        ),
        request=None,
        responses={201: CalendarTokenSerializer},
    ),
    delete=extend_schema(
        summary="Revoke the calendar feed URL",
        description="The URL answers 404 from now on.",
        request=None,
        responses={204: OpenApiResponse(description="Revoked (or there was none)")},
    ),
)
