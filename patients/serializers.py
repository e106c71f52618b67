from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.serializers import NormalizedEmailField
from patients.models import Patient
from scheduler.api import StrictSerializer

PATIENT_EXAMPLE = {
    "id": 7,
    "email": "ada@example.org",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+14155550123",
    "date_of_birth": "1990-12-10",
    "insurance_name": "Acme Health",
    "insurance_number": "XK-99812",
    "created_at": "2027-02-01T10:00:00Z",
    "updated_at": "2027-02-01T10:00:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("Patient", value=PATIENT_EXAMPLE)])
class PatientSerializer(serializers.ModelSerializer):
    """The patient profile as API.md describes it."""

    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    phone = serializers.CharField(read_only=True, help_text="E.164, e.g. +14155550123")

    class Meta:
        model = Patient
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "date_of_birth",
            "insurance_name",
            "insurance_number",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PatientRegisterSerializer(StrictSerializer):
    email = NormalizedEmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = PhoneNumberField(help_text="International format, e.g. +14155550123")
    date_of_birth = serializers.DateField()
    insurance_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    insurance_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


# The same patient registering: the profile's fields as the request has them, and a password.
PATIENT_REGISTER_EXAMPLE = {
    name: "a-long-passphrase" if name == "password" else PATIENT_EXAMPLE[name]
    for name in PatientRegisterSerializer._declared_fields
}


@extend_schema_serializer(
    examples=[OpenApiExample("PatientUpdate", value={"phone": "+442079460958", "insurance_number": "XK-10001"})]
)
class PatientUpdateSerializer(StrictSerializer):
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    phone = PhoneNumberField(required=False)
    date_of_birth = serializers.DateField(required=False)
    insurance_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    insurance_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
