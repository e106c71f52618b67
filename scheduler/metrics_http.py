"""``/metrics`` and the middleware that times every request (the metrics are in ``scheduler.metrics``)."""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from scheduler import metrics
from scheduler.metrics import observe_request
from scheduler.net import client_ip


class MetricsMiddleware:
    """Counts and times every response (outermost, so a 503 from a lost database counts too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        observe_request(request, response.status_code, time.perf_counter() - started)
        return response


def _address_allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


def _token_valid(request) -> bool:
    expected = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


def registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        collected.register(metrics.DatabaseCollector())
        return collected
    return REGISTRY


if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    REGISTRY.register(metrics.DatabaseCollector())


@require_safe
def metrics_view(request):
    """The metrics in Prometheus' text format, for a scraper with ``METRICS_TOKEN`` or an allowed address.

    404 while neither is configured (the endpoint is off); 403 for any other caller.
    """
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    if not (_token_valid(request) or _address_allowed(client_ip(request))):
        return JsonResponse({"detail": "Not allowed to read the metrics.", "code": "permission_denied"}, status=403)
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
