from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import devices, services
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
from scheduler.api import TokenFreeView
from scheduler.exceptions import AuthenticationFailed
from scheduler.parsers import JSONParser

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _pair_response(pair: services.TokenPair) -> Response:
    return Response({"access": pair.access, "refresh": pair.refresh}, headers=NO_STORE)


@extend_schema(tags=["auth"])
class TokenObtainView(TokenFreeView):
    """Exchange email and password for an access and a refresh token."""

    throttle_scope = "login"

    @extend_schema(
        summary="Sign in",
        operation_id="auth_token_obtain",
        request=LoginSerializer,
        examples=[
            OpenApiExample(
                "Credentials", request_only=True, value={"email": "patient@demo.clinic", "password": "your password"}
            ),
            OpenApiExample(
                "Wrong password",
                status_codes=["401"],
                response_only=True,
                value={"detail": "No active account found with the given credentials.", "code": "invalid_credentials"},
            ),
            OpenApiExample(
                "Locked out",
                status_codes=["429"],
                response_only=True,
                value={"detail": "Too many failed sign-in attempts; try again later.", "code": "too_many_attempts"},
            ),
        ],  # fmt: skip
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(description="Malformed body"),
            401: OpenApiResponse(description="Wrong email or password"),
        },
    )
    def post(self, request):
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.login(request=request, **data.validated_data)
        response = _pair_response(pair)
        devices.remember(response, email=data.validated_data["email"])
        return response


@extend_schema(tags=["auth"])
class TokenRefreshView(TokenFreeView):
    """Exchange a refresh token for a new pair; the old refresh token stops working."""

    throttle_scope = "token_refresh"

    @extend_schema(
        summary="Refresh tokens (rotating)",
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: OpenApiResponse(description="Invalid, expired or used token")},
    )
    def post(self, request):
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _pair_response(services.rotate_refresh_token(raw=data.validated_data["refresh"]))


@extend_schema(tags=["auth"])
class LogoutView(APIView):
    """Revoke a refresh token of the caller."""

    @extend_schema(
        summary="Sign out",
        request=RefreshSerializer,
        responses={204: None, 401: OpenApiResponse(description="Not signed in, or not a valid token of yours")},
    )
    def post(self, request):
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout(user=request.user, raw_refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"])
class OAuth2TokenView(TokenFreeView):
    """OAuth2 token endpoint (RFC 6749): the password grant with the email as ``username``, and refresh."""

    parser_classes = [FormParser, JSONParser]  # RFC 6749 uses form encoding; JSON for convenience
    throttle_scope = "login"

    @extend_schema(
        summary="OAuth2 token (password grant)",
        request={"application/x-www-form-urlencoded": OAuth2TokenRequestSerializer},
        responses={200: OAuth2TokenSerializer, 400: OAuth2ErrorSerializer},
    )
    def post(self, request):
        data = OAuth2TokenRequestSerializer(data=request.data)
        if not data.is_valid():
            bad_grant = "grant_type" in data.errors and request.data.get("grant_type")
            described = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in data.errors.items())
            return self._error("unsupported_grant_type" if bad_grant else "invalid_request", described)
        params = data.validated_data
        try:
            if params["grant_type"] == "password":
                if not params.get("username") or "password" not in params:
                    return self._error("invalid_request", "username and password are required.")
                pair = services.login(request=request, email=params["username"], password=params["password"])
            else:
                if not params.get("refresh_token"):
                    return self._error("invalid_request", "refresh_token is required.")
                pair = services.rotate_refresh_token(raw=params["refresh_token"])
        except AuthenticationFailed as exc:
            return self._error("invalid_grant", exc.detail)
        body = {
            "access_token": pair.access,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
            "refresh_token": pair.refresh,
        }
        response = Response(body, headers=NO_STORE)
        if params["grant_type"] == "password":
            devices.remember(response, email=params["username"])
        return response

    @staticmethod
    def _error(error: str, description: str) -> Response:
        # RFC 6749 §5.2: errors are 400 with an ``error`` code.
        return Response({"error": error, "error_description": description}, status=400, headers=NO_STORE)


@extend_schema(tags=["auth"])
class MeView(APIView):
    """The signed-in user, with the id of their patient or doctor profile."""

    @extend_schema(summary="Current user", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


@extend_schema(tags=["auth"])
class PasswordChangeView(APIView):
    """Change the caller's password; every token issued before stops working."""

    @extend_schema(
        summary="Change my password",
        operation_id="auth_password_change",
        description="Answers a fresh token pair: all earlier access and refresh tokens are revoked.",
        request=PasswordChangeSerializer,
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(description="Wrong current or weak new password"),
            429: OpenApiResponse(description="Too many wrong current passwords"),
        },
    )
    def post(self, request):
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.change_password(user=request.user, request=request, **data.validated_data)
        return _pair_response(services.issue_tokens(user=user))
