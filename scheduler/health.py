"""Readiness: the database answers, every migration is applied, and a background worker was seen lately.

The worker calls ``record_worker_heartbeat()`` every ``WORKER_HEARTBEAT_SECONDS``; ``/readyz/`` reads
the newest heartbeat. Heartbeats live in the database (not the cache): every web process on every
machine must see every worker's, and a per-process cache would not show them.
"""

import datetime
import os
import socket

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.db.utils import Error as DatabaseError
from django.utils import timezone

from scheduler.models import WorkerHeartbeat

# Rows of workers gone for this long are removed by the next heartbeat (scaling down leaves them behind).
FORGET_AFTER = datetime.timedelta(days=1)

_migrations_applied = False  # once true for this process's code, it stays true (see pending_migrations)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def record_worker_heartbeat(*, worker: str | None = None) -> None:
    """Say that this worker process is alive now (the worker's loop calls it)."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker or worker_name(), defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def check_database() -> dict:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return {"status": "unavailable"}
    return {"status": "ok"}


def pending_migrations() -> int:
    """How many migrations this code has that the database has not applied.

    Reading the migration files costs tens of milliseconds, so a process that once saw none pending does
    not look again: its code cannot gain migrations while it runs.
    """
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied = pending == 0
    return pending


def check_migrations() -> dict:
    try:
        pending = pending_migrations()
    except DatabaseError:
        return {"status": "unavailable"}
    return {"status": "ok" if pending == 0 else "pending", "pending": pending}


def check_worker() -> dict:
    required = settings.READY_REQUIRES_WORKER
    try:
        last = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    except DatabaseError:
        return {"status": "unavailable", "required": required}
    if last is None:
        return {"status": "missing", "required": required, "age_seconds": None}
    age = max((timezone.now() - last).total_seconds(), 0.0)
    fresh = age <= settings.WORKER_STALE_SECONDS
    return {"status": "ok" if fresh else "stale", "required": required, "age_seconds": round(age, 1)}


def readiness() -> tuple[bool, dict]:
    """Whether this web process should take traffic, and each check's result."""
    checks = {"database": check_database()}
    if checks["database"]["status"] == "ok":
        checks["migrations"] = check_migrations()
        checks["worker"] = check_worker()
    else:  # the other checks need the database: say so rather than time out on each
        checks["migrations"] = {"status": "unknown"}
        checks["worker"] = {"status": "unknown", "required": settings.READY_REQUIRES_WORKER}
    ready = checks["database"]["status"] == "ok" and checks["migrations"]["status"] == "ok"
    if settings.READY_REQUIRES_WORKER:
        ready = ready and checks["worker"]["status"] == "ok"
    return ready, checks
