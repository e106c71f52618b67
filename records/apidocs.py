"""OpenAPI documentation of the medical record endpoints: summaries, examples and answers."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from records.serializers import (
    MedicalRecordCreateSerializer,
    MedicalRecordSerializer,
    MedicalRecordUpdateSerializer,
    MedicalRecordVersionSerializer,
    RecordAccessLogSerializer,
)
from scheduler.apidocs import view_docs

NOT_FOUND = OpenApiResponse(description="No such record, or not visible to you")

AFTER_THE_VISIT = OpenApiExample(
    "After the visit",
    request_only=True,
    value={
        "appointment": 311,
        "diagnosis": "Acute bronchitis",
        "prescription": "Rest, fluids",
        "notes": "Review in one week if not better.",
    },
)

RECORDS = view_docs(
    tags=["records"],
    list=extend_schema(
        summary="List medical records",
        description="Newest first. Patients: their own; doctors: their patients'; admins: all. Every record "
        "returned is recorded in the audit trail.",
    ),
    retrieve=extend_schema(summary="Read a medical record", responses={200: MedicalRecordSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Write the record of an appointment",
        description="Only the doctor of that appointment, once per appointment, not for a cancelled one.",
        request=MedicalRecordCreateSerializer,
        examples=[AFTER_THE_VISIT],
        responses={
            201: MedicalRecordSerializer,
            400: OpenApiResponse(description="Invalid body, unknown or cancelled appointment"),
            403: OpenApiResponse(description="Not a doctor, or not this appointment's doctor"),
            409: OpenApiResponse(description="`record_exists`: the appointment already has a record"),
        },
    ),
    partial_update=extend_schema(
        summary="Amend a medical record",
        description="Only its author. The previous state stays readable in the history.",
        request=MedicalRecordUpdateSerializer,
        responses={200: MedicalRecordSerializer, 403: OpenApiResponse(description="Not the author"), 404: NOT_FOUND},
    ),
    history=extend_schema(
        summary="A record's versions",
        description="Every saved state of the record, newest first.",
        responses={200: MedicalRecordVersionSerializer(many=True), 404: NOT_FOUND},
    ),
)

ACCESS_LOG = view_docs(
    tags=["records"],
    list=extend_schema(
        summary="Audit trail of record access (admins)",
        description="Who created, changed or read which record, when and from which address. Read-only.",
        responses={200: RecordAccessLogSerializer(many=True), 403: OpenApiResponse(description="Admins only")},
    ),
)
