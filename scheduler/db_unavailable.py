"""A database connection lost or refused in the middle of a request: 503 with ``Retry-After``, not 500.

One predicate and one body, used in the three places an exception can surface: DRF's exception handler
(API views, DRF's authentication), ``DatabaseUnavailableMiddleware`` (other views: the admin, health
check, template rendering) and ``handler500`` (errors raised by middleware, e.g. saving the session).
Services own their transactions, so a lost connection rolled the whole operation back: a retry is safe.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)

BODY = {
    "detail": "The database is unreachable for a moment; nothing was saved. Retry the request.",
    "code": "database_unavailable",
}

# SQLSTATEs that mean the server went away or would not take us: connection exceptions (class 08),
# admin/crash shutdown and "cannot connect now" (57P01-57P03), too many connections (53300). A lock
# timeout (55P03), a statement timeout (57014) or a deadlock (40P01) are OperationalErrors too, but the
# connection is fine: they stay server errors.
LOST_CONNECTION_STATES = {"57P01", "57P02", "57P03", "53300"}


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the database connection was lost or could not be made."""
    if isinstance(exc, InterfaceError):  # "connection already closed"
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__  # Django re-raises the driver's error "from" it
    if not hasattr(cause, "pgcode"):  # not a PostgreSQL driver error (SQLite's "database is locked")
        return False
    if cause.pgcode is None:  # raised by the client library: the socket closed, the server refused us
        return True
    return cause.pgcode.startswith("08") or cause.pgcode in LOST_CONNECTION_STATES


def retry_after() -> str:
    return str(settings.DATABASE_RETRY_AFTER_SECONDS)


def log(exc: BaseException, request) -> None:
    """Ids and paths only, as every log line here; the error's message may quote SQL."""
    where = f"{request.method} {request.path}" if request is not None else "a request"
    logger.warning("Database connection lost during %s: %s", where, type(exc).__name__)


def unavailable_response() -> JsonResponse:
    response = JsonResponse(BODY, status=503)
    response["Retry-After"] = retry_after()
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 for a lost database connection raised by a view outside DRF (the admin, healthz)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if connection_lost(exception):
            log(exception, request)
            return unavailable_response()
        return None
