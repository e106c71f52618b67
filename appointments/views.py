from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor, IsPatient
from appointments import apidocs, selectors, services
from appointments.filters import AppointmentFilter
from appointments.models import Appointment
from appointments.serializers import (
    AppointmentBookSerializer,
    AppointmentCancelSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
)
from patients import selectors as patient_selectors
from scheduler import idempotency
from scheduler.api import GenericViewSet
from scheduler.exceptions import ApplicationError, NotFound

ADMIN_NAMES_THE_PATIENT = {"patient": ["This field is required for admins."]}
ONLY_ADMINS_NAME_A_PATIENT = {"patient": ["Only admins may set this field."]}


@apidocs.APPOINTMENTS
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

    def create(self, request):
        data = AppointmentBookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        patient = self._patient_for_booking(request, params.pop("patient", None))

        def book() -> tuple[int, dict]:
            appointment = services.book_appointment(
                patient=patient, slot_id=params["slot"], reason=params["reason"], by=request.user
            )
            return status.HTTP_201_CREATED, AppointmentSerializer(appointment).data

        return self._once_per_key(request, book)

    @staticmethod
    def _once_per_key(request, operation) -> Response:
        """Run ``operation`` once per ``Idempotency-Key``: a retry with the same key and body gets the first answer."""
        key = request.headers.get("Idempotency-Key")
        if key is None:
            code, body = operation()
            return Response(body, status=code)
        fingerprint = idempotency.fingerprint(method="POST", path=request.path, body=request.data)
        code, body, replayed = idempotency.run_idempotent(
            user=request.user, key=key, request_fingerprint=fingerprint, operation=operation
        )
        return Response(body, status=code, headers={"Idempotent-Replayed": "true"} if replayed else None)

    @staticmethod
    def _patient_for_booking(request, patient_id):
        """An admin names the patient (one they can see); a patient books for themselves."""
        if request.user.is_admin:
            if patient_id is None:
                message = "An admin must say which patient to book for."
                raise ApplicationError(message, code="required", extra=ADMIN_NAMES_THE_PATIENT)
            return patient_selectors.get_patient_for(user=request.user, patient_id=patient_id)
        if patient_id is not None:
            raise ApplicationError("Patients book for themselves.", code="invalid", extra=ONLY_ADMINS_NAME_A_PATIENT)
        # Authentication already loaded the caller's profile with the user (one query for both).
        patient = getattr(request.user, "patient_profile", None)
        if patient is None:
            raise NotFound("You have no patient profile.")
        return patient

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = AppointmentCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        appointment = services.cancel_appointment(appointment=appointment, by=request.user, reason=reason)
        return Response(AppointmentSerializer(appointment).data)

    @action(detail=True, methods=["post"], permission_classes=[IsDoctor | IsAdmin])
    def complete(self, request, pk=None):
        appointment = services.complete_appointment(appointment=self.get_object(), by=request.user)
        return Response(AppointmentSerializer(appointment).data)

    @action(detail=True, methods=["post"], url_path="no-show", permission_classes=[IsDoctor | IsAdmin])
    def no_show(self, request, pk=None):
        appointment = services.mark_no_show(appointment=self.get_object(), by=request.user)
        return Response(AppointmentSerializer(appointment).data)

    @action(detail=True, methods=["post"], permission_classes=[IsPatient | IsAdmin])
    def reschedule(self, request, pk=None):
        appointment = self.get_object()
        data = AppointmentRescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_slot_id = data.validated_data["slot"]
        appointment = services.reschedule_appointment(appointment=appointment, new_slot_id=new_slot_id, by=request.user)
        return Response(AppointmentSerializer(appointment).data)
