from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Role
from appointments.models import POLICY_LIMITS, Appointment, AppointmentStatus, BookingPolicy
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
    "hold_expires_at": None,
    "cancellation_reason": "",
    "cancelled_by_role": None,
    "cancelled_at": None,
    "created_at": "2027-02-20T08:12:03Z",
    "updated_at": "2027-02-20T08:12:03Z",
}
# The same slot held: pending until it is confirmed, released or its time runs out.
HOLD_EXAMPLE = {**APPOINTMENT_EXAMPLE, "status": "pending", "hold_expires_at": "2027-02-20T08:22:03Z"}


@extend_schema_serializer(examples=[OpenApiExample("Appointment", value=APPOINTMENT_EXAMPLE)])
class AppointmentSerializer(serializers.ModelSerializer):
    """An appointment as API.md describes it, plus how and why it was cancelled."""

    slot = serializers.IntegerField(source="slot_id", read_only=True, allow_null=True)
    doctor = serializers.IntegerField(source="doctor_id", read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    start = AwareDateTimeField(read_only=True)
    end = AwareDateTimeField(read_only=True)
    status = serializers.ChoiceField(
        choices=AppointmentStatus.choices,
        source="effective_status",
        read_only=True,
        help_text="As it reads now: a hold whose time ran out is `cancelled`, whether or not it was swept yet.",
    )
    hold_expires_at = AwareDateTimeField(
        source="effective_hold_expires_at",
        read_only=True,
        allow_null=True,
        help_text="While `pending`: when the hold ends unless confirmed. Null in every other status.",
    )
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
            "hold_expires_at",
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
        expired = appointment.hold_expired()  # the effective_* properties, with one clock reading
        return {
            "id": appointment.pk,
            "slot": appointment.slot_id,
            "doctor": appointment.doctor_id,
            "patient": appointment.patient_id,
            "start": utc_iso(appointment.start),
            "end": utc_iso(appointment.end),
            "status": AppointmentStatus.CANCELLED.value if expired else appointment.status,
            "reason": appointment.reason,
            "hold_expires_at": None if expired else utc_iso(appointment.hold_expires_at),
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


class AppointmentHoldSerializer(AppointmentBookSerializer):
    """A hold: the same body as a booking."""


def _policy_field(name: str, help_text: str) -> serializers.IntegerField:
    low, high = POLICY_LIMITS[name]
    return serializers.IntegerField(min_value=low, max_value=high, required=False, help_text=help_text)


POLICY_HELP = {
    "hold_seconds": "How long a hold keeps its slot before it expires",
    "min_notice_minutes": "Patients book, hold or move into slots starting at least this far ahead",
    "cancellation_cutoff_minutes": "Patients cancel or move a booking at least this long before its start",
    "booking_horizon_days": "Patients book, hold or move into slots starting at most this many days ahead",
}
POLICY_EXAMPLE = {
    "hold_seconds": 600,
    "min_notice_minutes": 60,
    "cancellation_cutoff_minutes": 1440,
    "booking_horizon_days": 90,
}


@extend_schema_serializer(examples=[OpenApiExample("Booking policy", value=POLICY_EXAMPLE, response_only=True)])
class BookingPolicySerializer(serializers.ModelSerializer):
    """The clinic's booking policy; it binds patients only."""

    class Meta:
        model = BookingPolicy
        fields = list(POLICY_LIMITS)
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": text} for name, text in POLICY_HELP.items()}


@extend_schema_serializer(
    examples=[
        OpenApiExample("Longer holds", value={"hold_seconds": 900}, request_only=True),
        OpenApiExample("A cut-off of a day", value={"cancellation_cutoff_minutes": 1440}, request_only=True),
    ]
)
class BookingPolicyUpdateSerializer(StrictSerializer):
    """Any of the policy's values, each within its range."""

    hold_seconds = _policy_field("hold_seconds", POLICY_HELP["hold_seconds"])
    min_notice_minutes = _policy_field("min_notice_minutes", POLICY_HELP["min_notice_minutes"])
    cancellation_cutoff_minutes = _policy_field(
        "cancellation_cutoff_minutes", POLICY_HELP["cancellation_cutoff_minutes"]
    )
    booking_horizon_days = _policy_field("booking_horizon_days", POLICY_HELP["booking_horizon_days"])
