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
    AppointmentHoldSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
    BookingPolicySerializer,
    BookingPolicyUpdateSerializer,
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
        return self._take_slot(request, AppointmentBookSerializer, services.book_appointment)

    @action(detail=False, methods=["post"], permission_classes=[IsPatient | IsAdmin])
    def hold(self, request):
        return self._take_slot(request, AppointmentHoldSerializer, services.hold_appointment)

    def _take_slot(self, request, serializer_class, command) -> Response:
        """Book or hold: the same body, the same patient rule, 201 with the appointment."""
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        patient = self._patient_for_booking(request, params.pop("patient", None))

        def take() -> tuple[int, dict]:
            appointment = command(patient=patient, slot_id=params["slot"], reason=params["reason"], by=request.user)
            return status.HTTP_201_CREATED, AppointmentSerializer(appointment).data

        return idempotency.respond_once(request, take)

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

    @staticmethod
    def _once(request, command, **arguments) -> Response:
        """Run a state change once per ``Idempotency-Key``; 200 with the appointment."""
        return idempotency.respond_once(
            request, lambda: (status.HTTP_200_OK, AppointmentSerializer(command(**arguments, by=request.user)).data)
        )

    @action(detail=True, methods=["post"], permission_classes=[IsPatient | IsAdmin])
    def confirm(self, request, pk=None):
        return self._once(request, services.confirm_appointment, appointment=self.get_object())

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = AppointmentCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        return self._once(request, services.cancel_appointment, appointment=appointment, reason=reason)

    @action(detail=True, methods=["post"], url_path="check-in", permission_classes=[IsDoctor | IsAdmin])
    def check_in(self, request, pk=None):
        appointment = services.check_in_appointment(appointment=self.get_object(), by=request.user)
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
        return self._once(request, services.reschedule_appointment, appointment=appointment, new_slot_id=new_slot_id)


@apidocs.BOOKING_POLICY
class BookingPolicyViewSet(GenericViewSet):
    """The clinic's booking policy: everyone signed in reads it, admins change it."""

    serializer_class = BookingPolicySerializer
    permission_classes_by_action = {"partial_update": [IsAdmin]}

    def retrieve(self, request):
        return Response(BookingPolicySerializer(selectors.get_booking_policy()).data)

    def partial_update(self, request):
        data = BookingPolicyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.update_booking_policy(by=request.user, **data.validated_data)
        return Response(BookingPolicySerializer(policy).data)
