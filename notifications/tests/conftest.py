"""A real SMTP server (aiosmtpd) on a free loopback port, and real worker processes (``manage.py worker``)
against the test database: the queue as it runs in production, nothing eager or in memory."""

import asyncio
import email
import os
import socket
import subprocess
import sys
import threading
import time
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

PROJECT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """Keeps every message it accepts (250 to DATA). ``hang_first``: the first DATA gets no answer until
    ``release`` is set, so that a worker can be killed while it waits."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.hang_first = False
        self.hanging = threading.Event()
        self.release = threading.Event()
        self._datas = 0

    async def handle_DATA(self, server, session, envelope):
        self._datas += 1
        if self.hang_first and self._datas == 1:
            self.hanging.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Too late"
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def texts(self) -> list[str]:
        """Every accepted message as text: headers, the plain part and the HTML part, decoded."""
        out = []
        for message in self.messages:
            parts = [str(message["Subject"]), str(message["To"])]
            parts += [part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()]
            out.append("\n".join(parts))
        return out

    def of_kind(self, kind: str) -> list[Message]:
        return [m for m in self.messages if kind_of(m) == kind]


def kind_of(message: Message) -> str:
    from notifications.models import Notification

    return Notification.objects.get(pk=int(message["X-Clinic-Notification"])).kind


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    sink.release.set()
    controller.stop()


def wait_until(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def start_worker(transactional_db, smtp_sink):
    """Start ``manage.py worker`` processes on the test database, speaking SMTP to the sink; all are ended
    (and their output kept in ``.output``) before the test database is flushed."""
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"
    processes = []

    def start(**overrides: str) -> subprocess.Popen:
        env = (
            os.environ
            | {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "scheduler.settings.test",
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
                "WORKER_TICK_SECONDS": "1",
                "WORKER_POLL_SECONDS": "0.1",
                "NOTIFICATION_MAX_ATTEMPTS": "3",
                "NOTIFICATION_RETRY_SECONDS": "0.2",
                "NOTIFICATION_LEASE_SECONDS": "2",
                "NOTIFICATION_STALL_SECONDS": "0",
                "EMAIL_TIMEOUT": "2",
                "DJANGO_LOG_LEVEL": "INFO",
            }
            | overrides
        )
        process = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process

    yield start
    stop_workers(processes)


def stop_workers(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        if hasattr(process, "output"):
            continue
        try:
            out, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        process.output = out or ""
