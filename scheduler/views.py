"""Operational endpoints."""

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


@require_safe
def healthz(request):
    """200 when the database answers a query, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def server_error(request):
    """A JSON 500 for API clients (no stack trace, no SQL), whatever DEBUG says."""
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


def bad_request(request, exception):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


@csrf_exempt
def api_not_found(request, path=""):
    """DRF's JSON 404 for any unknown path under /api/ (JSON clients cannot read Django's HTML page)."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
