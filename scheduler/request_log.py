"""One JSON log line per request, and a request id on every line logged while it runs.

The request id is the client's ``X-Request-ID`` when it is a sane token (a proxy or a client already
named the request), else a new one; it is answered in ``X-Request-ID`` so a user's report can be matched
with the logs. The line names the user id, method, path, view, status and duration, never the query
string (search parameters carry names and dates of birth), never a body or a header's value, and the
path with every non-numeric URL argument replaced by its name (the calendar feed's URL is a secret).
"""

import contextvars
import logging
import re
import time
import uuid

from django.utils.functional import LazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

logger = logging.getLogger("scheduler.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, bounded: a UUID, a W3C trace id, a load balancer's id. Anything
# else (newlines, JSON, a megabyte) is replaced, so the header cannot forge or flood a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,99}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def request_id_from(header: str | None) -> str:
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(BaseJsonFormatter):
    """python-json-logger's formatter, which never prints a ``request`` attached to a record.

    Django attaches the request to its ``django.request`` and ``django.security`` records, and a request's
    repr holds the query string.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every log record (``None`` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)  # django.request logs after our middleware returned
            record.request_id = request_id_var.get() or getattr(request, "request_id", None)
        return True


class ServerErrorsOnly(logging.Filter):
    """For ``django.request``: drops its 4xx warnings and redacts the path in what is left.

    Each 4xx is already one request line; Django's own ("Not Found: /calendar/<the secret>.ics") would
    repeat it with the raw path. A filter, not a level, so it holds whatever level an operator sets.
    """

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            return False
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple) and len(record.args) == 2:
            record.args = (record.args[0], loggable_path(request))
        return True


def loggable_path(request) -> str:
    """The path, with every URL argument that is not a plain number replaced by ``<name>``."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path[:200]
    for name, value in match.kwargs.items():
        text = str(value)
        if text and not text.isdigit():
            path = path.replace(text, f"<{name}>")
    return path


def _user_id(request) -> int | None:
    """The signed-in user's id, if the request already loaded its user: this never queries the database.

    DRF puts the user it authenticated on the Django request; AuthenticationMiddleware's lazy session
    user counts only if something evaluated it (loading it now could fail: the database may be gone).
    """
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "request",
                extra={
                    "user_id": _user_id(request),
                    "method": request.method,
                    "path": loggable_path(request),
                    "view": getattr(getattr(request, "resolver_match", None), "view_name", None),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
