from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from records.models import MedicalRecord, MedicalRecordVersion, RecordAccessLog
from scheduler.api import ID_BOUNDS, StrictSerializer


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "MedicalRecord",
            value={
                "id": 55,
                "appointment": 311,
                "patient": 7,
                "doctor": 3,
                "author": 14,
                "diagnosis": "Acute bronchitis",
                "prescription": "Rest, fluids",
                "notes": "Review in one week.",
                "version": 1,
                "created_at": "2027-03-01T09:05:00Z",
                "updated_at": "2027-03-01T09:05:00Z",
            },
        )
    ]
)
class MedicalRecordSerializer(serializers.ModelSerializer):
    appointment = serializers.IntegerField(source="appointment_id", read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    doctor = serializers.IntegerField(source="doctor_id", read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)

    class Meta:
        model = MedicalRecord
        fields = [
            "id",
            "appointment",
            "patient",
            "doctor",
            "author",
            "diagnosis",
            "prescription",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "MedicalRecordVersion",
            value={
                "version": 1,
                "author": 14,
                "diagnosis": "Acute bronchitis",
                "prescription": "Rest, fluids",
                "notes": "Review in one week.",
                "created_at": "2027-03-01T09:05:00Z",
            },
        )
    ]
)
class MedicalRecordVersionSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True)

    class Meta:
        model = MedicalRecordVersion
        fields = ["version", "author", "diagnosis", "prescription", "notes", "created_at"]
        read_only_fields = fields


class MedicalRecordCreateSerializer(StrictSerializer):
    appointment = serializers.IntegerField(**ID_BOUNDS)
    diagnosis = serializers.CharField(max_length=10_000)
    prescription = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")


@extend_schema_serializer(examples=[OpenApiExample("MedicalRecordUpdate", value={"notes": "Better after three days."})])
class MedicalRecordUpdateSerializer(StrictSerializer):
    diagnosis = serializers.CharField(max_length=10_000, required=False)
    prescription = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "RecordAccessLog",
            value={
                "id": 901,
                "at": "2027-03-02T10:00:00Z",
                "user": 12,
                "user_email": "patient@demo.clinic",
                "user_role": "patient",
                "record": 55,
                "action": "read",
                "ip_address": "192.0.2.7",
            },
        )
    ]
)
class RecordAccessLogSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)
    user_role = serializers.CharField(source="user.role", read_only=True)
    record = serializers.IntegerField(source="record_id", read_only=True)

    class Meta:
        model = RecordAccessLog
        fields = ["id", "at", "user", "user_email", "user_role", "record", "action", "ip_address"]
        read_only_fields = fields
