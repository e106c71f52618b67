from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Role
from appointments.models import Appointment, AppointmentStatus
from scheduler.api import ID_BOUNDS, AwareDateTimeField, StrictSerializer, utc_iso

# Slot 42 of doctors.serializers.SLOT_EXAMPLE, booked: the example the schema shows wherever one appears.
APPOINTMENT_EXAMPLE = {
    "id": 311,
    "slot": 42,
    "doctor": 3,
    "patient": 7,
    "start": "2027-03-01T08:00:00Z",
    "end": "2027-03-01T09:00:00Z",
    "status": "scheduled",
    "reason": "Persistent cough",
    "cancellation_reason": "",
    "cancelled_by_role": None,
    "cancelled_at": None,
    "created_at": "2027-02-20T08:12:03Z",
    "updated_at": "2027-02-20T08:12:03Z",
}


@extend_schema_serializer(examples=[OpenApiExample("Appointment", value=APPOINTMENT_EXAMPLE)])
class AppointmentSerializer(serializers.ModelSerializer):
    """An appointment as API.md describes it, plus how and why it was cancelled."""

    slot = serializers.IntegerField(source="slot_id", read_only=True, allow_null=True)
    doctor = serializers.IntegerField(source="doctor_id", read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    start = AwareDateTimeField(read_only=True)
    end = AwareDateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=AppointmentStatus.choices, read_only=True)
    cancelled_by_role = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "slot",
            "doctor",
            "patient",
            "start",
            "end",
            "status",
            "reason",
            "cancellation_reason",
            "cancelled_by_role",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_cancelled_by_role(self, appointment: Appointment) -> str | None:
        return appointment.cancelled_by.role if appointment.cancelled_by_id else None

    def to_representation(self, appointment: Appointment) -> dict:
        # Every booking answers one and every list twenty: build the dict directly instead of copying
        # and walking the declared fields (they still define the schema; a test keeps both equal).
        return {
            "id": appointment.pk,
            "slot": appointment.slot_id,
            "doctor": appointment.doctor_id,
            "patient": appointment.patient_id,
            "start": utc_iso(appointment.start),
            "end": utc_iso(appointment.end),
            "status": appointment.status,
            "reason": appointment.reason,
            "cancellation_reason": appointment.cancellation_reason,
            "cancelled_by_role": self.get_cancelled_by_role(appointment),
            "cancelled_at": utc_iso(appointment.cancelled_at),
            "created_at": utc_iso(appointment.created_at),
            "updated_at": utc_iso(appointment.updated_at),
        }


class AppointmentBookSerializer(StrictSerializer):
    slot = serializers.IntegerField(**ID_BOUNDS, help_text="Id of a free slot")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    patient = serializers.IntegerField(**ID_BOUNDS, required=False, help_text="Admins only: the patient to book for")


@extend_schema_serializer(examples=[OpenApiExample("AppointmentCancel", value={"reason": "Feeling better"})])
class AppointmentCancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


@extend_schema_serializer(examples=[OpenApiExample("AppointmentReschedule", value={"slot": 43})])
class AppointmentRescheduleSerializer(StrictSerializer):
    slot = serializers.IntegerField(**ID_BOUNDS, help_text="Id of the free slot to move to")
