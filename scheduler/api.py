"""Cross-cutting DRF pieces: the exception handler, strict input serializers, the view bases."""

import datetime
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from scheduler import db_unavailable, metrics
from scheduler.exceptions import ApplicationError
from scheduler.ids import BIGINT_MAX
from scheduler.throttles import AddressRateThrottle

logger = logging.getLogger(__name__)


def _validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [m for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    """DRF's native body (``detail`` or field errors) plus a ``code`` for domain errors."""
    if isinstance(exc, ApplicationError):
        if exc.status_code == status.HTTP_409_CONFLICT:
            metrics.conflict(exc.code)
        headers = {}
        if getattr(exc, "retry_after", None) is not None:
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return Response({"detail": exc.detail, "code": exc.code, **exc.extra}, status=exc.status_code, headers=headers)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": "The request body is too large.", "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif db_unavailable.connection_lost(exc):
        # Checked before DataError: both are database errors, only this one is worth a retry.
        db_unavailable.log(exc, context.get("request"))
        return Response(
            db_unavailable.BODY,
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": db_unavailable.retry_after()},
        )
    elif isinstance(exc, DataError):
        # A value the database refuses (out of range, NUL byte) is bad input, not a server error.
        logger.info("DataError turned into 400: %s", type(exc).__name__)
        return Response(
            {"detail": "A value in the request is out of range or malformed.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    data = response.data if response is not None else None
    if isinstance(exc, exceptions.APIException) and isinstance(data, dict) and "detail" in data and "code" not in data:
        codes = exc.get_codes()
        if isinstance(codes, str):
            data["code"] = codes
    return response


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know (``role``, ``id``, ``patient`` ...).

    DRF ignores unknown keys by default, which hides a client's mistake and lets an attempt to set a
    forbidden field look like success.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["This field cannot be set here."] for name in unknown})
        return super().to_internal_value(data)


class GenericViewSet(viewsets.GenericViewSet):
    """The project's viewset base: role checks per action, and ids that fit a bigint.

    ``permission_classes_by_action`` names who may call a standard action (``list``, ``create`` ...);
    a custom action says it in ``@action(permission_classes=...)``; any other action has
    ``permission_classes`` (signed in, by default). Roles only: visibility is the selectors', object
    rules the services'.

    Ids in URLs are positive integers that fit a bigint; anything else is a 404 from the router.
    """

    lookup_value_regex = r"[0-9]{1,18}"
    permission_classes_by_action: dict = {}

    def get_permissions(self):
        classes = self.permission_classes_by_action.get(self.action, self.permission_classes)
        return [permission() for permission in classes]


class TokenFreeView(APIView):
    """An endpoint called before sign-in (register, sign-in, refresh): no token read, anyone may call it.

    It opts out of the secure default visibly, and is rate-limited per client address; a subclass names
    its ``throttle_scope``.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AddressRateThrottle]


NAIVE_DATETIME = "Include a UTC offset, e.g. 2027-03-01T09:00:00+00:00."
# Years the API accepts in datetimes: any schedule fits, and the calendar's ends, where converting to UTC
# or adding a search window overflows Python's datetime, stay out of reach.
DATETIME_YEARS = range(1900, 9000)
DATETIME_OUT_OF_RANGE = "Enter a datetime between the years 1900 and 8999."

# Ids in bodies and query strings: positive and within PostgreSQL's bigint, so a huge number is a 400,
# not a database error.
ID_BOUNDS = {"min_value": 1, "max_value": BIGINT_MAX}


def check_aware(parsed: datetime.datetime) -> datetime.datetime:
    """What every datetime the API reads, in a body or a query string, must be: with an offset, in range."""
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise DjangoValidationError(NAIVE_DATETIME, code="naive_datetime")
    if parsed.year not in DATETIME_YEARS:
        raise DjangoValidationError(DATETIME_OUT_OF_RANGE, code="out_of_range")
    return parsed


def utc_iso(value: datetime.datetime | None) -> str | None:
    """A datetime as every datetime field of the API answers it (UTC, ``Z``), without a field instance."""
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime that must carry a UTC offset (API.md); stored and answered in UTC."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip()) if "\x00" not in value else None
            except ValueError:  # well-formed but impossible: February 30th, hour 25, offset +99:00
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]]+HH:MM")
            if parsed is not None:
                check_aware(parsed)  # its Django ValidationError is reported under the field like DRF's
        return super().to_internal_value(value)

    def to_representation(self, value):
        return utc_iso(value)
