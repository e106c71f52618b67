"""OpenAPI documentation of the patient endpoints: summaries, examples and answers."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from patients.serializers import (
    PATIENT_REGISTER_EXAMPLE,
    PatientRegisterSerializer,
    PatientSerializer,
    PatientUpdateSerializer,
)
from scheduler.apidocs import view_docs

NOT_FOUND = OpenApiResponse(description="No such patient, or not visible to you")
PATIENTS_ONLY = OpenApiResponse(description="Only patients have a patient profile")

REGISTER = view_docs(
    tags=["auth"],
    post=extend_schema(
        summary="Register as a patient",
        request=PatientRegisterSerializer,
        examples=[OpenApiExample("New patient", request_only=True, value=PATIENT_REGISTER_EXAMPLE)],
        responses={
            201: PatientSerializer,
            400: OpenApiResponse(description="Invalid field, or email taken"),
            429: OpenApiResponse(description="Too many registrations from this address"),
        },
    ),
)

PATIENTS = view_docs(
    tags=["patients"],
    list=extend_schema(
        summary="List patients",
        description="Admins: all; doctors: the patients who have an appointment with them. Search by part of "
        "the name or email, by phone or by date of birth.",
        responses={200: PatientSerializer(many=True), 403: OpenApiResponse(description="Patients use /me/")},
    ),
    retrieve=extend_schema(summary="Get a patient", responses={200: PatientSerializer, 404: NOT_FOUND}),
    partial_update=extend_schema(
        summary="Update a patient",
        request=PatientUpdateSerializer,
        responses={200: PatientSerializer, 403: OpenApiResponse(description="Doctors cannot edit"), 404: NOT_FOUND},
    ),
    me=[
        extend_schema(
            methods=["GET"],
            summary="My patient profile",
            description="The signed-in patient's own profile.",
            responses={200: PatientSerializer, 403: PATIENTS_ONLY},
        ),
        extend_schema(
            methods=["PATCH"],
            summary="Update my patient profile",
            description="Change name, phone, date of birth or insurance details; email and role cannot change here.",
            request=PatientUpdateSerializer,
            responses={200: PatientSerializer, 403: PATIENTS_ONLY},
        ),
    ],
)
