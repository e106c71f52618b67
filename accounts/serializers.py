from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Role, User, normalize_email, validate_email_characters
from scheduler.api import StrictSerializer


class NormalizedEmailField(serializers.EmailField):
    """An email in its stored form (``normalize_email``) before it is validated; invisible characters refused."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_email_characters)

    def to_internal_value(self, data) -> str:
        return normalize_email(super().to_internal_value(data))


GRANT_TYPES = ("password", "refresh_token")


@extend_schema_serializer(
    examples=[OpenApiExample("Login", value={"email": "patient@demo.clinic", "password": "your password"})]
)
class LoginSerializer(StrictSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


@extend_schema_serializer(
    examples=[
        OpenApiExample("TokenPair", value={"access": "eyJhbGciOiJIUzI1NiIs...", "refresh": "eyJhbGciOiJIUzI1NiIs..."})
    ]
)
class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


@extend_schema_serializer(examples=[OpenApiExample("Refresh", value={"refresh": "eyJhbGciOiJIUzI1NiIs..."})])
class RefreshSerializer(StrictSerializer):
    refresh = serializers.CharField(max_length=4096)


@extend_schema_serializer(
    component_name="OAuth2Token",  # the request body is then OAuth2TokenRequest, not OAuth2TokenRequestRequest
    examples=[
        OpenApiExample(
            "OAuth2TokenRequest",
            value={"grant_type": "password", "username": "patient@demo.clinic", "password": "your password"},
        )
    ],
)
class OAuth2TokenRequestSerializer(serializers.Serializer):
    """RFC 6749 §4.3 (password) and §6 (refresh_token) grants, form-encoded."""

    grant_type = serializers.ChoiceField(choices=GRANT_TYPES)
    username = serializers.CharField(max_length=254, required=False)
    password = serializers.CharField(max_length=4096, required=False, trim_whitespace=False)
    refresh_token = serializers.CharField(max_length=4096, required=False)
    scope = serializers.CharField(required=False, allow_blank=True)
    client_id = serializers.CharField(required=False, allow_blank=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "OAuth2Token",
            value={
                "access_token": "eyJhbGciOiJIUzI1NiIs...",
                "token_type": "Bearer",
                "expires_in": 900,
                "refresh_token": "eyJhbGciOiJIUzI1NiIs...",
            },
        )
    ]
)
class OAuth2TokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField()
    refresh_token = serializers.CharField()


class OAuth2ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    error_description = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Me",
            value={
                "id": 12,
                "email": "patient@demo.clinic",
                "first_name": "Pat",
                "last_name": "Demo",
                "role": "patient",
                "patient_id": 7,
                "doctor_id": None,
            },
        )
    ]
)
class MeSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    patient_id = serializers.SerializerMethodField()
    doctor_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "patient_id", "doctor_id"]
        read_only_fields = fields

    def _profile_id(self, user: User, attr: str) -> int | None:
        profile = getattr(user, attr, None)
        return profile.pk if profile is not None else None

    def get_patient_id(self, user: User) -> int | None:
        return self._profile_id(user, "patient_profile")

    def get_doctor_id(self, user: User) -> int | None:
        return self._profile_id(user, "doctor_profile")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "PasswordChange", value={"old_password": "the current one", "new_password": "a-new-long-passphrase"}
        )
    ]
)
class PasswordChangeSerializer(StrictSerializer):
    old_password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
