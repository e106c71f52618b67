from rest_framework import serializers

from accounts.models import Role, User


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class OAuth2TokenRequestSerializer(serializers.Serializer):
    """RFC 6749 §4.3 (password) and §6 (refresh_token) grants, form-encoded."""

    grant_type = serializers.ChoiceField(choices=["password", "refresh_token"])
    username = serializers.CharField(max_length=254, required=False)
    password = serializers.CharField(max_length=4096, required=False, trim_whitespace=False)
    refresh_token = serializers.CharField(max_length=4096, required=False)
    scope = serializers.CharField(required=False, allow_blank=True)
    client_id = serializers.CharField(required=False, allow_blank=True)


class OAuth2TokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField()
    refresh_token = serializers.CharField()


class OAuth2ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    error_description = serializers.CharField()


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


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
