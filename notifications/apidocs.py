"""OpenAPI documentation of the notification endpoints."""

from drf_spectacular.utils import OpenApiExample, extend_schema

from notifications.serializers import NOTIFICATION_EXAMPLE
from scheduler.apidocs import view_docs

NOTIFICATIONS = view_docs(
    tags=["notifications"],
    list=extend_schema(
        summary="List notifications",
        description=(
            "The emails about appointments, newest first. Patients and doctors: those sent to them; admins: all. "
            "`status` is `queued` (waiting or being retried), `sent`, or `failed` (the retries ran out)."
        ),
        examples=[OpenApiExample("A sent confirmation", value=NOTIFICATION_EXAMPLE, response_only=True)],
    ),
)
