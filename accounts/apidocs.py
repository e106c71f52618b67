"""OpenAPI documentation of the sign-in endpoints: summaries, examples and answers."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from accounts.serializers import (
    LoginSerializer,
    MeSerializer,
    OAuth2ErrorSerializer,
    OAuth2TokenRequestSerializer,
    OAuth2TokenSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    TokenPairSerializer,
)
from scheduler.apidocs import view_docs

CREDENTIALS = OpenApiExample(
    "Credentials", request_only=True, value={"email": "patient@demo.clinic", "password": "your password"}
)
WRONG_PASSWORD = OpenApiExample(
    "Wrong password",
    status_codes=["401"],
    response_only=True,
    value={"detail": "No active account found with the given credentials.", "code": "invalid_credentials"},
)
LOCKED_OUT = OpenApiExample(
    "Locked out",
    status_codes=["429"],
    response_only=True,
    value={"detail": "Too many failed sign-in attempts; try again later.", "code": "too_many_attempts"},
)

SIGN_IN = view_docs(
    tags=["auth"],
    post=extend_schema(
        summary="Sign in",
        operation_id="auth_token_obtain",
        request=LoginSerializer,
        examples=[CREDENTIALS, WRONG_PASSWORD, LOCKED_OUT],
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(description="Malformed body"),
            401: OpenApiResponse(description="Wrong email or password"),
        },
    ),
)

REFRESH = view_docs(
    tags=["auth"],
    post=extend_schema(
        summary="Refresh tokens (rotating)",
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: OpenApiResponse(description="Invalid, expired or used token")},
    ),
)

SIGN_OUT = view_docs(
    tags=["auth"],
    post=extend_schema(
        summary="Sign out",
        request=RefreshSerializer,
        responses={204: None, 401: OpenApiResponse(description="Not signed in, or not a valid token of yours")},
    ),
)

OAUTH2_TOKEN = view_docs(
    tags=["auth"],
    post=extend_schema(
        summary="OAuth2 token (password grant)",
        request={"application/x-www-form-urlencoded": OAuth2TokenRequestSerializer},
        responses={200: OAuth2TokenSerializer, 400: OAuth2ErrorSerializer},
    ),
)

ME = view_docs(tags=["auth"], get=extend_schema(summary="Current user", responses={200: MeSerializer}))

PASSWORD_CHANGE = view_docs(
    tags=["auth"],
    post=extend_schema(
        summary="Change my password",
        operation_id="auth_password_change",
        description="Answers a fresh token pair: all earlier access and refresh tokens are revoked.",
        request=PasswordChangeSerializer,
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(description="Wrong current or weak new password"),
            429: OpenApiResponse(description="Too many wrong current passwords"),
        },
    ),
)
