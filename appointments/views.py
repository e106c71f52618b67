from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor, IsPatient
from appointments import selectors, services
from appointments.filters import AppointmentFilter
from appointments.models import Appointment
from appointments.serializers import (
    APPOINTMENT_EXAMPLE,
    AppointmentBookSerializer,
    AppointmentCancelSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
)
from patients import selectors as patient_selectors
from scheduler import idempotency
from scheduler.api import GenericViewSet
from scheduler.exceptions import ApplicationError, NotFound

NOT_FOUND = OpenApiResponse(description="No such appointment, or not yours")
INVALID_TRANSITION = OpenApiResponse(description="`invalid_transition`: not allowed from this status or time")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retry-safe booking: the same key and body return the first answer instead of booking again.",
)


@extend_schema(tags=["appointments"])
@extend_schema_view(
    list=extend_schema(summary="List appointments", description="Patients and doctors: their own; admins: all."),
    retrieve=extend_schema(summary="Get an appointment", responses={200: AppointmentSerializer, 404: NOT_FOUND}),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Appointments: booking and its state changes, each an explicit command."""

    serializer_class = AppointmentSerializer
    queryset = Appointment.objects.none()  # for the schema generator; requests use get_queryset
    filterset_class = AppointmentFilter
    permission_classes_by_action = {"create": [IsPatient | IsAdmin]}

    def get_queryset(self):
        return selectors.appointments_visible_to(self.request.user)

    def get_object(self):
        return selectors.get_appointment_for(user=self.request.user, appointment_id=self.kwargs["pk"])

    @extend_schema(
        summary="Book a slot",
        description=(
            "Patients book for themselves; admins give `patient`. Exactly one of any number of simultaneous "
            "requests for a slot succeeds."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=AppointmentBookSerializer,
        examples=[
            OpenApiExample("A patient books", value={"slot": 42, "reason": "Persistent cough"}, request_only=True),
            OpenApiExample("An admin books for a patient", value={"slot": 42, "patient": 7}, request_only=True),
            OpenApiExample(
                "Booked",
                status_codes=["201"],
                response_only=True,
                value=APPOINTMENT_EXAMPLE,
            ),
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
                value={
                    "detail": "The patient already has an appointment at an overlapping time.",
                    "code": "patient_conflict",
                },
            ),
        ],  # fmt: skip
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
    def create(self, request):
        data = AppointmentBookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        patient = self._patient_for_booking(request, params.pop("patient", None))

        def book() -> tuple[int, dict]:
            appointment = services.book_appointment(patient=patient, slot_id=params["slot"],
                                                    reason=params["reason"], by=request.user)  # fmt: skip
            return status.HTTP_201_CREATED, AppointmentSerializer(appointment).data

        key = request.headers.get("Idempotency-Key")
        if key is None:
            code, body = book()
            return Response(body, status=code)
        fingerprint = idempotency.fingerprint(method="POST", path=request.path, body=request.data)
        code, body, replayed = idempotency.run_idempotent(
            user=request.user, key=key, request_fingerprint=fingerprint, operation=book
        )
        return Response(body, status=code, headers={"Idempotent-Replayed": "true"} if replayed else None)

    @staticmethod
    def _patient_for_booking(request, patient_id):
        if request.user.is_admin:
            if patient_id is None:
                raise ApplicationError("An admin must say which patient to book for.", code="required",
                                       extra={"patient": ["This field is required for admins."]})  # fmt: skip
            return patient_selectors.get_patient_for(user=request.user, patient_id=patient_id)
        if patient_id is not None:
            raise ApplicationError("Patients book for themselves.", code="invalid",
                                   extra={"patient": ["Only admins may set this field."]})  # fmt: skip
        # Authentication already loaded the caller's profile with the user (one query for both).
        patient = getattr(request.user, "patient_profile", None)
        if patient is None:
            raise NotFound("You have no patient profile.")
        return patient

    @extend_schema(
        summary="Cancel an appointment",
        description="Its patient (before it starts), its doctor or an admin. The slot becomes free again.",
        request=AppointmentCancelSerializer,
        responses={200: AppointmentSerializer, 404: NOT_FOUND, 409: INVALID_TRANSITION},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = AppointmentCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = services.cancel_appointment(appointment=appointment, by=request.user,
                                                  reason=data.validated_data["reason"])  # fmt: skip
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
        summary="Complete an appointment",
        description="Its doctor or an admin, once the visit has started.",
        request=None,
        responses={200: AppointmentSerializer, 403: OpenApiResponse(description="Patients cannot complete"),
                   404: NOT_FOUND, 409: INVALID_TRANSITION},
    )  # fmt: skip
    @action(detail=True, methods=["post"], permission_classes=[IsDoctor | IsAdmin])
    def complete(self, request, pk=None):
        appointment = services.complete_appointment(appointment=self.get_object(), by=request.user)
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
        summary="Mark a no-show",
        description="Its doctor or an admin, once the visit has started. The slot stays used.",
        request=None,
        responses={200: AppointmentSerializer, 403: OpenApiResponse(description="Patients cannot"),
                   404: NOT_FOUND, 409: INVALID_TRANSITION},
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="no-show", permission_classes=[IsDoctor | IsAdmin])
    def no_show(self, request, pk=None):
        appointment = services.mark_no_show(appointment=self.get_object(), by=request.user)
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
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
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPatient | IsAdmin])
    def reschedule(self, request, pk=None):
        appointment = self.get_object()
        data = AppointmentRescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = services.reschedule_appointment(appointment=appointment, new_slot_id=data.validated_data["slot"],
                                                      by=request.user)  # fmt: skip
        return Response(AppointmentSerializer(appointment).data)
