"""Operational endpoints."""

import sys

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from scheduler import db_unavailable, health


@require_safe
def healthz(request):
    """200 when the database answers a query, else 503 (the same check /readyz/ makes)."""
    database = health.check_database()
    return JsonResponse(database, status=200 if database["status"] == "ok" else 503)


@require_safe
def readyz(request):
    """200 when this process should take traffic (``scheduler.health.readiness``), else 503; each check listed."""
    ready, checks = health.readiness()
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def server_error(request):
    """A JSON 500 for API clients (no stack trace, no SQL), whatever DEBUG says.

    Django calls this while handling the exception, so ``sys.exc_info()`` names it: a lost database
    connection raised by a middleware (a view's is answered by ``DatabaseUnavailableMiddleware``) is a 503.
    """
    exc = sys.exc_info()[1]
    if exc is not None and db_unavailable.connection_lost(exc):
        db_unavailable.log(exc, request)  # as the API's handler and the middleware log theirs
        return db_unavailable.unavailable_response()
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


def bad_request(request, exception):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


@csrf_exempt
def api_not_found(request, path=""):
    """DRF's JSON 404 for any unknown path under /api/ (JSON clients cannot read Django's HTML page)."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
