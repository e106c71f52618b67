from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import apidocs, devices, services
from accounts.serializers import (
    LoginSerializer,
    MeSerializer,
    OAuth2TokenRequestSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
)
from scheduler.api import TokenFreeView
from scheduler.exceptions import AuthenticationFailed
from scheduler.parsers import JSONParser

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _pair_response(pair: services.TokenPair) -> Response:
    return Response({"access": pair.access, "refresh": pair.refresh}, headers=NO_STORE)


@apidocs.SIGN_IN
class TokenObtainView(TokenFreeView):
    """Exchange email and password for an access and a refresh token."""

    throttle_scope = "login"

    def post(self, request):
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.login(request=request, **data.validated_data)
        response = _pair_response(pair)
        devices.remember(response, email=data.validated_data["email"])
        return response


@apidocs.REFRESH
class TokenRefreshView(TokenFreeView):
    """Exchange a refresh token for a new pair; the old refresh token stops working."""

    throttle_scope = "token_refresh"

    def post(self, request):
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _pair_response(services.rotate_refresh_token(raw=data.validated_data["refresh"]))


@apidocs.SIGN_OUT
class LogoutView(APIView):
    """Revoke a refresh token of the caller."""

    def post(self, request):
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout(user=request.user, raw_refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class OAuth2Error(Exception):
    """An RFC 6749 §5.2 error: answered 400 with an ``error`` code and a description."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


@apidocs.OAUTH2_TOKEN
class OAuth2TokenView(TokenFreeView):
    """OAuth2 token endpoint (RFC 6749): the password grant with the email as ``username``, and refresh."""

    parser_classes = [FormParser, JSONParser]  # RFC 6749 uses form encoding; JSON for convenience
    throttle_scope = "login"

    def post(self, request):
        try:
            params = self._params(request)
            pair = self._grant(request, params)
        except OAuth2Error as exc:
            body = {"error": exc.error, "error_description": exc.description}
            return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=NO_STORE)
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
    def _params(request) -> dict:
        data = OAuth2TokenRequestSerializer(data=request.data)
        if data.is_valid():
            return data.validated_data
        bad_grant = "grant_type" in data.errors and request.data.get("grant_type")
        described = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in data.errors.items())
        raise OAuth2Error("unsupported_grant_type" if bad_grant else "invalid_request", described)

    @staticmethod
    def _grant(request, params: dict) -> services.TokenPair:
        try:
            if params["grant_type"] == "password":
                if not params.get("username") or "password" not in params:
                    raise OAuth2Error("invalid_request", "username and password are required.")
                return services.login(request=request, email=params["username"], password=params["password"])
            if not params.get("refresh_token"):
                raise OAuth2Error("invalid_request", "refresh_token is required.")
            return services.rotate_refresh_token(raw=params["refresh_token"])
        except AuthenticationFailed as exc:
            raise OAuth2Error("invalid_grant", exc.detail) from exc


@apidocs.ME
class MeView(APIView):
    """The signed-in user, with the id of their patient or doctor profile."""

    def get(self, request):
        return Response(MeSerializer(request.user).data)


@apidocs.PASSWORD_CHANGE
class PasswordChangeView(APIView):
    """Change the caller's password; every token issued before stops working."""

    def post(self, request):
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.change_password(user=request.user, request=request, **data.validated_data)
        return _pair_response(services.issue_tokens(user=user))
