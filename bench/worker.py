"""The ``worker`` scenario: how fast ``manage.py worker`` sends a backlog of notifications, 1 and 2 processes.

For each process count: book ``--worker-notifications`` appointments through ``book_appointment`` for bench
patients (each booking queues its confirmation and the task that sends it, as in production), hold back
every ready task, start an aiosmtpd sink on a free loopback port and the workers (``--no-periodic``, the
run's production settings, ``EMAIL_URL`` the sink), wait for their heartbeats, then release exactly those
confirmations' tasks and time them until the last is sent. The rate is notifications over the seconds from
the release to the newest ``sent_at``, so a worker's start-up is left out and its first poll (at most
``WORKER_POLL_SECONDS``) is in. The sink must have received each confirmation exactly once. The suite's
clean-up deletes the appointments, their events, notifications and tasks; this module restores the held
tasks and deletes its workers' heartbeats.
"""

import email.parser
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import fixtures
from bench.fixtures import Allocator, Lane
from bench.server import REPO, _die_with_parent, free_port
from bench.stats import ScenarioResult

PROCESSES = (1, 2)  # the worker counts measured, in turn
LANE = 100  # appointments per bench patient (consecutive slots of one doctor: they never overlap)
PARKED = "bench_parked"  # the queue the other ready tasks wait in while the workers run (workers take "default")
READY_TIMEOUT = 60.0  # seconds for every worker to record its first heartbeat
STALL_TIMEOUT = 30.0  # seconds without a single notification sent: the scenario fails
STOP_TIMEOUT = 30.0
HEADER = "X-Clinic-Notification"  # the notification's id, in every email (notifications.services._compose)


def result_name(processes: int) -> str:
    return f"worker_{processes}"


def title(processes: int) -> str:
    return f"worker, {processes} process{'es' if processes > 1 else ''} (notifications/s)"


# ---------------------------------------------------------------------------------------------- pure logic
def throughput(count: int, released: float, sent: Iterable[float]) -> float:
    """Notifications a second: ``count`` over the seconds from the release to the newest send (epoch seconds)."""
    last = max(sent, default=None)
    if not count or last is None or last <= released:
        return float("nan")
    return count / (last - released)


@dataclass(frozen=True)
class Deliveries:
    """What the sink received against what was released: every id once, nothing else."""

    once: int  # released ids received exactly once
    missing: int  # released ids never received
    duplicates: int  # extra copies of released ids
    unknown: int  # messages that are not one of the released notifications

    @property
    def exactly_once(self) -> bool:
        return not (self.missing or self.duplicates or self.unknown)


def deliveries(expected: Iterable[int], received: Iterable[int | None]) -> Deliveries:
    """Compare the released notification ids with the ids the sink's messages carried (None: no id)."""
    wanted, seen = set(expected), Counter(received)
    return Deliveries(
        once=sum(1 for pk in wanted if seen[pk] == 1),
        missing=sum(1 for pk in wanted if not seen[pk]),
        duplicates=sum(seen[pk] - 1 for pk in wanted if seen[pk] > 1),
        unknown=sum(n for pk, n in seen.items() if pk not in wanted),
    )


def summarize_phase(
    processes: int, *, count: int, released: float, sent: list[float], got: Deliveries, notes: list[str]
) -> ScenarioResult:
    """One process count as a table row: the rate in the req/s column, no latencies (a backlog has none
    worth reading: each one's wait is its place in the queue), faults as unexpected answers."""
    nan = float("nan")
    return ScenarioResult(
        name=result_name(processes),
        title=title(processes),
        rps=throughput(count, released, sent),
        p50_ms=nan,
        p95_ms=nan,
        p99_ms=nan,
        measured_requests=len(sent),
        total_requests=got.once + got.duplicates + got.unknown,
        ok=got.once,
        expected_409=0,
        errors_5xx=0,
        unexpected=got.missing + got.duplicates + got.unknown,
        transport_errors=0,
        status_counts={
            "sent_once": got.once,
            "missing": got.missing,
            "duplicates": got.duplicates,
            "unknown": got.unknown,
        },
        codes_409={},
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- the sink
class Sink:
    """An SMTP server on a free loopback port that keeps each accepted message's notification id."""

    def __init__(self) -> None:
        self.ids: list[int | None] = []
        self._parser = email.parser.BytesHeaderParser()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        value = self._parser.parsebytes(envelope.original_content or envelope.content)[HEADER]
        self.ids.append(int(value) if value and value.isdigit() else None)
        return "250 OK"

    def __enter__(self) -> str:
        from aiosmtpd.controller import Controller  # only this scenario needs it (requirements-bench.txt)

        self._controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self._controller.start()
        return f"smtp://127.0.0.1:{self._controller.port}"

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


# ---------------------------------------------------------------------------------------------- the run
class Workers:
    """``with Workers(env, n, log) as names:`` n ``manage.py worker --no-periodic`` processes until the block
    ends; ``names`` are their heartbeat names (host:pid), which are deleted at the end."""

    def __init__(self, env: dict[str, str], count: int, log_path: Path) -> None:
        self.env, self.count, self.log_path = env, count, log_path
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def names(self) -> list[str]:
        host = socket.gethostname()
        return [f"{host}:{process.pid}"[:255] for process in self.processes]

    def __enter__(self) -> "Workers":
        command = [sys.executable, "manage.py", "worker", "--no-periodic"]
        with self.log_path.open("ab") as log:
            for _ in range(self.count):
                self.processes.append(
                    subprocess.Popen(
                        command,
                        cwd=REPO,
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        preexec_fn=_die_with_parent,
                    )
                )
        return self

    def exited(self) -> list[int]:
        return [code for process in self.processes if (code := process.poll()) is not None]

    def wait_ready(self) -> None:
        from scheduler.models import WorkerHeartbeat

        deadline = time.monotonic() + READY_TIMEOUT
        while WorkerHeartbeat.objects.filter(worker__in=self.names).count() < self.count:
            if self.exited():
                raise RuntimeError(f"a worker exited with {self.exited()}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the workers sent no heartbeat within {READY_TIMEOUT:.0f} s; see {self.log_path}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        from scheduler.models import WorkerHeartbeat

        for process in self.processes:
            if process.poll() is None:
                process.terminate()  # graceful: the running task finishes
        for process in self.processes:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        WorkerHeartbeat.objects.filter(worker__in=self.names).delete()


def park_ready_tasks() -> int:
    """Move every ready task of the workers' queue aside, so that they run only the released ones."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, queue_name="default").update(queue_name=PARKED)


def release(notification_ids: list[int]) -> int:
    from django_tasks_db.models import DBTaskResult

    from notifications.tasks import send_notification

    return DBTaskResult.objects.filter(
        queue_name=PARKED,
        task_path=send_notification.module_path,
        args_kwargs__kwargs__notification_id__in=notification_ids,
    ).update(queue_name="default")


def unpark() -> int:
    """Put the held tasks back in the workers' queue (after the scenario, and in the suite's reset)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(queue_name=PARKED).update(queue_name="default")


def confirmations_of(patient_ids: list[int]) -> list[int]:
    from notifications.models import Notification, NotificationKind, NotificationStatus

    return list(
        Notification.objects.filter(
            kind=NotificationKind.BOOKING_CONFIRMED,
            appointment__patient_id__in=patient_ids,
            status=NotificationStatus.QUEUED,
        ).values_list("pk", flat=True)
    )


def sent_times(notification_ids: list[int]) -> list[datetime]:
    from notifications.models import Notification, NotificationStatus

    return list(
        Notification.objects.filter(pk__in=notification_ids, status=NotificationStatus.SENT).values_list(
            "sent_at", flat=True
        )
    )


def wait_sent(notification_ids: list[int], workers: Workers) -> list[str]:
    """Until every one is sent; problems (a stall, a worker gone) as notes. Polls the database."""
    from notifications.models import Notification, NotificationStatus

    sent, progress_at = -1, time.monotonic()
    pending = Notification.objects.filter(pk__in=notification_ids)
    while True:
        now_sent = pending.filter(status=NotificationStatus.SENT).count()
        if now_sent == len(notification_ids):
            return []
        if now_sent != sent:
            sent, progress_at = now_sent, time.monotonic()
        failed = pending.filter(status=NotificationStatus.FAILED).count()
        if failed:
            return [f"{failed} notification(s) failed"]
        if workers.exited():
            return [f"a worker exited with {workers.exited()} after {sent} sent"]
        if time.monotonic() - progress_at > STALL_TIMEOUT:
            return [f"nothing sent for {STALL_TIMEOUT:.0f} s, {sent} of {len(notification_ids)} sent"]
        time.sleep(0.2)


def run_phase(processes: int, *, patient_ids: list[int], env: dict[str, str], log: Path) -> ScenarioResult:
    """Send the queued confirmations of these patients' bookings with ``processes`` workers."""
    ids = confirmations_of(patient_ids)
    park_ready_tasks()
    sink = Sink()
    try:
        with sink as email_url, Workers({**env, "EMAIL_URL": email_url}, processes, log) as workers:
            workers.wait_ready()
            release(ids)
            released = time.time()
            notes = wait_sent(ids, workers)
    finally:
        unpark()
    sent = [moment.timestamp() for moment in sent_times(ids)]
    if sent:
        notes.append(
            f"{len(ids)} notifications: the first sent {min(sent) - released:.2f} s after the release, "
            f"the last {max(sent) - released:.2f} s"
        )
    got = deliveries(ids, sink.ids)  # the workers have stopped: every message they sent is in the sink
    return summarize_phase(processes, count=len(ids), released=released, sent=sent, got=got, notes=notes)


def run(phases: list[list[Lane]], *, env: dict[str, str], log: Path) -> list[ScenarioResult]:
    """One round: per process count (PROCESSES), book its lanes through the booking service, then send."""
    results = []
    for processes, lanes in zip(PROCESSES, phases, strict=True):
        fixtures.book_directly(lanes)
        results.append(run_phase(processes, patient_ids=[lane.patient_id for lane in lanes], env=env, log=log))
    return results


def lanes_for(allocate: Allocator, notifications: int) -> list[list[Lane]]:
    """Per process count, bench patients with ``notifications`` free slots between them (LANE each)."""
    return [[allocate.lane(size) for size in lane_sizes(notifications)] for _ in PROCESSES]


def lane_sizes(notifications: int) -> list[int]:
    """``notifications`` bookings in lanes of at most LANE slots."""
    return [LANE] * (notifications // LANE) + ([notifications % LANE] if notifications % LANE else [])
