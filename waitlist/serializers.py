from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from scheduler.api import ID_BOUNDS, AwareDateTimeField, StrictSerializer, utc_iso
from waitlist.models import EntryStatus, WaitlistEntry

ENTRY_EXAMPLE = {
    "id": 12,
    "patient": 7,
    "doctor": 3,
    "specialization": None,
    "start_after": "2027-03-01T08:00:00Z",
    "start_before": "2027-03-08T18:00:00Z",
    "status": "waiting",
    "appointment": None,
    "created_at": "2027-02-20T08:12:03Z",
}


@extend_schema_serializer(examples=[OpenApiExample("Waitlist entry", value=ENTRY_EXAMPLE)])
class WaitlistEntrySerializer(serializers.ModelSerializer):
    """A waitlist entry as API.md describes it."""

    patient = serializers.IntegerField(source="patient_id", read_only=True)
    doctor = serializers.IntegerField(source="doctor_id", read_only=True, allow_null=True)
    specialization = serializers.IntegerField(source="specialization_id", read_only=True, allow_null=True)
    start_after = AwareDateTimeField(read_only=True)
    start_before = AwareDateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=EntryStatus.choices, read_only=True)
    appointment = serializers.IntegerField(source="appointment_id", read_only=True, allow_null=True)
    created_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "patient",
            "doctor",
            "specialization",
            "start_after",
            "start_before",
            "status",
            "appointment",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, entry: WaitlistEntry) -> dict:
        return {
            "id": entry.pk,
            "patient": entry.patient_id,
            "doctor": entry.doctor_id,
            "specialization": entry.specialization_id,
            "start_after": utc_iso(entry.start_after),
            "start_before": utc_iso(entry.start_before),
            "status": entry.status,
            "appointment": entry.appointment_id,
            "created_at": utc_iso(entry.created_at),
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A patient waits for a doctor",
            value={"doctor": 3, "start_after": "2027-03-01T08:00:00Z", "start_before": "2027-03-08T18:00:00Z"},
        ),
        OpenApiExample(
            "An admin puts a patient on the list for a specialization",
            value={
                "specialization": 2,
                "patient": 7,
                "start_after": "2027-03-01T08:00:00Z",
                "start_before": "2027-03-08T18:00:00Z",
            },
        ),
    ]
)
class WaitlistJoinSerializer(StrictSerializer):
    doctor = serializers.IntegerField(**ID_BOUNDS, required=False, help_text="The doctor (or give specialization)")
    specialization = serializers.IntegerField(
        **ID_BOUNDS, required=False, help_text="Any doctor of this specialization (or give doctor)"
    )
    start_after = AwareDateTimeField(help_text="Slots starting at or after")
    start_before = AwareDateTimeField(help_text="Slots starting before; within the booking horizon")
    patient = serializers.IntegerField(**ID_BOUNDS, required=False, help_text="Admins only: the patient")
