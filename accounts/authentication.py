"""Bearer JWT authentication for every API view."""

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User
from scheduler.ids import parse_id


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication; the user row is re-read on every request.

    That read is what makes a deactivated user's or a changed password's tokens stop working at once
    (``CHECK_USER_IS_ACTIVE`` and ``CHECK_REVOKE_TOKEN``).
    """

    def get_user(self, validated_token):
        # One query for the user and both profile ids, so /api/auth/me/ costs a single query.
        # A malformed claim (not a positive bigint, or a bool) is a 401, not a 500.
        user_id = parse_id(validated_token.get(api_settings.USER_ID_CLAIM))
        if user_id is None:
            raise InvalidToken("Token contained no recognizable user identification")
        # The profiles' encrypted fields are deferred: authentication needs only their ids, and every
        # request would otherwise pay for two decryptions.
        user = (
            User.objects.select_related("patient_profile", "doctor_profile")
            .defer("patient_profile__insurance_name", "patient_profile__insurance_number")
            .filter(**{api_settings.USER_ID_FIELD: user_id})
            .first()
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed("User not found or inactive.", code="user_not_found")
        if validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
        return user
