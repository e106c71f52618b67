"""The background worker (Procfile ``worker``): runs queued tasks and, once per tick, the periodic jobs.

Any number can run, on any number of machines: each task is taken by one worker (django-tasks-db claims
its row with SELECT … FOR UPDATE SKIP LOCKED) and each periodic job runs once per tick (scheduler.periodic).
"""

import logging
import random
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from scheduler import health, periodic

logger = logging.getLogger("scheduler.worker")


def run_periodic_jobs(worker_id: str, stop: threading.Event) -> None:
    """Every tick: the registered jobs (those this worker claims), then wait for the next tick."""
    while not stop.is_set():
        close_old_connections()
        try:
            periodic.run_due_jobs(worker=worker_id)
        except Exception:  # the database away for a moment: try again next tick
            logger.exception("periodic jobs failed")
        finally:
            connection.close()
        tick = settings.WORKER_TICK_SECONDS
        # Sleep to just after the next tick starts, with a little jitter so workers do not all wake at once.
        stop.wait(tick - time.time() % tick + random.uniform(0.05, 0.05 + tick / 20))  # noqa: S311


def beat(stop: threading.Event) -> None:
    """Every ``WORKER_HEARTBEAT_SECONDS``: tell /readyz/ this worker is alive (every worker, periodic or not)."""
    while not stop.is_set():
        try:
            health.record_worker_heartbeat()
        except Exception:  # the database away for a moment: the next beat says it again
            logger.warning("worker heartbeat failed")
        finally:
            connection.close()
        stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


class Command(BaseCommand):
    help = "Run the background worker: queued tasks (notifications, reminders) and the periodic jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-id", default="", help="Unique per worker (default: host-independent random).")
        parser.add_argument(
            "--no-periodic", action="store_true", help="Run tasks only; leave the periodic jobs to other workers."
        )

    def handle(self, *args: Any, worker_id: str, no_periodic: bool, **options: Any) -> None:
        worker_id = worker_id or get_random_string(16)
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        stop = threading.Event()
        threading.Thread(target=beat, args=(stop,), daemon=True).start()
        if not no_periodic:
            # A daemon thread with its own database connection; it ends with the process.
            threading.Thread(target=run_periodic_jobs, args=(worker_id, stop), daemon=True).start()
        worker = Worker(
            queue_names=["default"],
            interval=settings.WORKER_POLL_SECONDS,
            batch=False,
            backend_name="default",
            startup_delay=True,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()  # SIGTERM: finish the running task, then stop
        try:
            worker.run()
        finally:
            stop.set()
