"""Bearer JWT authentication for every API view."""

from rest_framework_simplejwt import authentication


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication; the user row is re-read on every request.

    That read is what makes a deactivated user's or a changed password's tokens stop working at once
    (``CHECK_USER_IS_ACTIVE`` and ``CHECK_REVOKE_TOKEN``).
    """
