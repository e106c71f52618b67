"""Prometheus metrics: every metric the application exports is defined here (``scheduler.metrics_http``
serves them at ``/metrics``); services and the worker call the small functions below.

With several server processes (gunicorn workers), each process counts on its own; set
``PROMETHEUS_MULTIPROC_DIR`` to a directory (empty at start, one per machine) and prometheus-client keeps the
counts in files there that ``/metrics`` adds up, whichever worker answers the scrape (README, Deployment).
Without it, a scrape sees only the worker that answered it: fine for ``make run``, wrong in production.

Labels are bounded: views by their URL pattern's name, methods from a fixed list, conflict codes from
``CONFLICT_CODES``; never an id, a path or anything a client typed.
"""

import os
from collections.abc import Callable, Iterable

from django.db import DatabaseError
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scheduler.exceptions import CONFLICT_CODES

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # a management command may run before gunicorn made it
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUESTS = Counter(
    "scheduler_http_requests_total", "HTTP responses by view, method and status.", ["view", "method", "status"]
)
LATENCY = Histogram(
    "scheduler_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONFLICTS = Counter("scheduler_conflicts_total", "409 answers by their code (API.md).", ["code"])
APPOINTMENT_EVENTS = Counter(
    "scheduler_appointment_events_total",
    "Committed appointment changes by action (booked, cancelled, rescheduled, completed, no_show ...).",
    ["action"],
)
HOLDS_EXPIRED = Counter(
    "scheduler_holds_expired_total", "Slot holds ended because their time ran out (by a booking or the sweep)."
)
# What lives in the database is read from it at scrape time (DatabaseCollector), not counted in a process:
# the worker that sends notifications and runs tasks may be on another machine than the scraped web server.
_database_collectors: list[Callable[[], Iterable[Metric]]] = []


def register_database_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    """Add metrics read from the database at scrape time (an app's AppConfig.ready calls this)."""
    _database_collectors.append(collect)


def _queue_lag() -> Iterable[Metric]:
    from django_tasks_db.models import DBTaskResult  # a third-party model: apps are not yet loaded at import

    lag = GaugeMetricFamily(
        "scheduler_queue_lag_seconds", "Age of the oldest task that is due and not yet taken by a worker (0 if none)."
    )
    now = timezone.now()
    oldest = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .aggregate(first=Min(Coalesce("run_after", "enqueued_at")))["first"]
    )
    lag.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
    yield lag


register_database_collector(_queue_lag)


class DatabaseCollector(Collector):
    """The registered database metrics; a scrape that finds the database gone leaves them out."""

    def describe(self) -> Iterable[Metric]:
        # Registering asks for the names; without this it would call collect() and so open a database
        # connection at import, in gunicorn's master, which every forked worker would then share.
        return []

    def collect(self) -> Iterable[Metric]:
        for collect in _database_collectors:
            try:
                yield from collect()
            except DatabaseError:
                return


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Every known label value at 0 from the start: a rate over a series that appears late misses its first
# increments, and an alert on a code nobody has hit yet still has something to read.
for _code in CONFLICT_CODES:
    CONFLICTS.labels(code=_code)


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"  # a 404 before any view: one series, whatever the path
    return match.view_name or match._func_path


def observe_request(request, status: int, duration: float) -> None:
    view = view_label(request)
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view, method=method).observe(duration)


def conflict(code: str) -> None:
    CONFLICTS.labels(code=code if code in CONFLICT_CODES else "other").inc()


def appointment_event(action: str) -> None:
    APPOINTMENT_EVENTS.labels(action=action).inc()
    if action == "expired":
        HOLDS_EXPIRED.inc()
