"""Periodic jobs of the worker (``manage.py worker``): each runs once per tick, however many workers run.

Apps register their jobs at start-up (``AppConfig.ready``): ``register("expire_holds", expire_holds)``.
Every tick (``WORKER_TICK_SECONDS``, default a minute) each worker tries to claim each job by inserting
the row (job, tick) of ``PeriodicRun``, unique, in a transaction of its own; the one whose insert succeeds
runs the job, the others skip it. On PostgreSQL a second insert of the same key waits for the first's
commit and then fails; no advisory lock (PgBouncer in transaction mode cannot keep session locks), and it
works on SQLite too. The claim commits before the job runs: a worker that dies mid-job loses that tick's
run, and the next tick runs the job again (every job is a catch-up sweep, safe to run late or twice).
"""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduler.models import PeriodicRun

logger = logging.getLogger(__name__)

Job = Callable[[], object]
JOBS: dict[str, Job] = {}
# PeriodicRun rows are kept this long (for the admin to see what ran), then purged by a job of their own.
KEEP_RUNS = datetime.timedelta(days=2)
# Finished task rows are kept this long (the admin's view of what ran and why a task failed).
KEEP_TASKS = datetime.timedelta(days=7)


def register(name: str, job: Job) -> None:
    """Run ``job`` (no arguments; it returns a count or None) once per tick in the worker."""
    JOBS[name] = job


def current_tick(now: datetime.datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp() // settings.WORKER_TICK_SECONDS)


def _claim(job: str, tick: int, worker: str) -> bool:
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(job=job, tick=tick, worker=worker)
    except IntegrityError:
        return False
    return True


def run_due_jobs(*, worker: str, tick: int | None = None) -> list[str]:
    """Run every registered job this worker claims for ``tick``; return the names of those it ran.

    A failing job is logged and does not stop the others (its next run is the next tick)."""
    tick = current_tick() if tick is None else tick
    ran = []
    for name, job in list(JOBS.items()):
        if not _claim(name, tick, worker):
            continue
        try:
            result = job()
        except Exception:
            logger.exception("periodic job %s failed (tick %s)", name, tick)
            continue
        # The tests read this line from two workers' output: one per job and tick.
        logger.info("periodic job %s ran for tick %s: %s", name, tick, result)
        ran.append(name)
    return ran


def prune_finished_tasks(*, batch: int = 5000) -> int:
    """Delete task rows that finished more than ``KEEP_TASKS`` ago (the notification rows keep the record),
    a batch per tick: the queue's table stays small."""
    from django_tasks_db.models import DBTaskResult

    old = DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - KEEP_TASKS)
    deleted, _ = DBTaskResult.objects.filter(pk__in=list(old.values_list("pk", flat=True)[:batch])).delete()
    return deleted


def purge_periodic_runs() -> int:
    deleted, _ = PeriodicRun.objects.filter(ran_at__lt=timezone.now() - KEEP_RUNS).delete()
    return deleted
