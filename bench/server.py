"""Serve the project as production does (gunicorn -c gunicorn.conf.py scheduler.wsgi) on a free local port."""

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from cryptography.fernet import Fernet

from bench.config import Config

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 60.0  # seconds for /healthz/ to answer 200
STOP_TIMEOUT = 30.0  # gunicorn's graceful_timeout is 20 s
# Variables an operator may set to experiment (worker class, timeouts, connection age) are passed on.
PASSED_PREFIXES = ("GUNICORN_", "DATABASE_CONN_", "PATH", "HOME", "LANG", "LC_", "TZ", "PG")


def production_environment(config: Config, *, run_seconds: int) -> dict[str, str]:
    """Production settings (debug off) with throwaway secrets generated for this run only."""
    env = {key: value for key, value in os.environ.items() if key.startswith(PASSED_PREFIXES)}
    env.update(
        DATABASE_URL=config.database_url,
        DJANGO_SETTINGS_MODULE="scheduler.settings.base",
        DJANGO_DEBUG="off",
        DJANGO_HTTPS="off",
        RATE_LIMITS="off",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        JWT_ACCESS_MINUTES=str(run_seconds // 60 + 60),
        GUNICORN_WORKERS=str(config.workers),
    )
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, timeout=600)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: gunicorn gets SIGTERM if this process dies, even by SIGKILL, so it never outlives the run."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Gunicorn:
    """``with Gunicorn(env, log) as url:`` serves until the block ends, however it ends."""

    def __init__(self, env: dict[str, str], log_path: Path, *, app: str = "scheduler.wsgi") -> None:
        self.app = app
        self.port = free_port()
        # Its own control socket (gunicorn's default is one per user), so a gunicorn already running on
        # this machine, such as `make serve`, is left alone; GUNICORN_CMD_ARGS keeps the command as documented.
        control = log_path.parent / f"gunicorn-{self.port}.ctl"
        extra = f"{env.get('GUNICORN_CMD_ARGS', '')} --control-socket {control}".strip()
        self.env = {**env, "GUNICORN_BIND": f"{HOST}:{self.port}", "GUNICORN_CMD_ARGS": extra}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> str:
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.app]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self.url

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"/healthz/ did not answer 200 within {STARTUP_TIMEOUT:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # graceful: workers finish their request
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
