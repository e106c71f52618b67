"""Locust users for the benchmark scenarios; run by bench.load, one user class per run.

Input: the JSON file named by BENCH_PLAN: {"users": [{"token", "slots"?}...], "specialization"?: id}.
Output: the JSON file named by BENCH_SAMPLES: every request's start (epoch seconds), latency (ms),
status code and, for 409s, the body's ``code``; plus when spawning completed and when stopping began.
Samples are recorded here rather than read from locust's CSV so that percentiles are exact and the
warm-up can be cut by timestamp.
"""

import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if "BENCH_PLAN" in os.environ else {}
SEARCH_WINDOW = timedelta(days=14)

samples: list[tuple[float, float, int, str]] = []
marks: dict[str, float] = {}
exhausted_users: list[int] = []
_user_numbers = itertools.count()


@events.request.add_listener
def _record(start_time: float, response_time: float, response: Any, exception: Exception | None, **_: Any) -> None:
    status = getattr(response, "status_code", 0) or 0
    code = ""
    if status == 409:
        try:
            code = str(response.json().get("code", ""))
        except (ValueError, AttributeError):
            code = "unparsable"
    elif status == 0 and exception is not None:
        code = type(exception).__name__
    samples.append((start_time, response_time, status, code))


@events.spawning_complete.add_listener
def _spawned(user_count: int, **_: Any) -> None:
    marks.setdefault("spawned", time.time())


@events.test_stopping.add_listener
def _stopping(environment: Environment, **_: Any) -> None:
    marks.setdefault("stopping", time.time())


@events.quitting.add_listener
def _write(environment: Environment, **_: Any) -> None:
    out = {"samples": samples, "marks": marks, "exhausted_users": exhausted_users}
    Path(os.environ["BENCH_SAMPLES"]).write_text(json.dumps(out))


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # closed loop: each user sends its next request as soon as one answers
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.number = next(_user_numbers)
        entry = PLAN["users"][self.number % len(PLAN["users"])]
        self.client.auth_header = f"Bearer {entry['token']}"
        self.slots: list[int] = list(entry.get("slots", []))


class MeUser(BenchUser):
    """Baseline: the framework's ceiling, one JWT-authenticated, one-query request."""

    @task
    def me(self) -> None:
        self.client.get("/api/auth/me/", name="me")


class SearchUser(BenchUser):
    """Free slots of one specialization in the next two weeks, first page."""

    @task
    def search(self) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        query = urlencode(  # urlencode turns the offset's "+" into %2B
            {
                "specialization": PLAN["specialization"],
                "status": "free",
                "start_after": now.isoformat(),
                "start_before": (now + SEARCH_WINDOW).isoformat(),
            }
        )
        self.client.get(f"/api/slots/?{query}", name="search")


class FHIRSearchUser(BenchUser):
    """``SearchUser``'s search through FHIR: ``GET /fhir/R4/Slot``, the same specialization, status and window."""

    @task
    def search(self) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        query = urlencode(
            [
                ("specialty", PLAN["specialization"]),
                ("status", "free"),
                ("start", f"ge{now.isoformat()}"),
                ("start", f"lt{(now + SEARCH_WINDOW).isoformat()}"),
            ]
        )
        self.client.get(f"/fhir/R4/Slot?{query}", name="fhir-search")


class PacedSearchUser(SearchUser):
    """The same search with think time: about ``rate_per_user`` searches a second per user.

    Closed-loop users with no think time measure throughput (p50 is users / rate, Little's law); with
    think time, the latency a searching user sees at a steady rate below the server's capacity. Think
    times are exponential (arrivals close to a Poisson process): a fixed pace would send all users'
    requests in the same instant, a burst every period.
    """

    def wait_time(self) -> float:
        return random.expovariate(float(PLAN.get("rate_per_user", 1.0)))


class AppointmentListUser(BenchUser):
    """A patient's own appointments, first page."""

    @task
    def appointments(self) -> None:
        self.client.get("/api/appointments/", name="appointments")


class BookingStormUser(BenchUser):
    """Each patient books its own doctor's free slots, earliest first: no two requests compete."""

    @task
    def book(self) -> None:
        if not self.slots:
            exhausted_users.append(self.number)
            raise StopUser()
        self.client.post("/api/appointments/", json={"slot": self.slots.pop(0)}, name="book")


class HoldConfirmUser(BenchUser):
    """The checkout a patient app runs: hold a slot of its own lane, then confirm it (two requests).

    Each confirm names the hold the previous request answered, with one Idempotency-Key for both
    steps (new for every checkout, so a later run never replays an earlier one's answers), as a client
    that retries would send them. No two users compete, like the booking storm.
    """

    @task
    def checkout(self) -> None:
        if not self.slots:
            exhausted_users.append(self.number)
            raise StopUser()
        slot = self.slots.pop(0)
        headers = {"Idempotency-Key": f"bench-checkout-{uuid.uuid4().hex}"}
        held = self.client.post("/api/appointments/hold/", json={"slot": slot}, headers=headers, name="hold")
        if held.status_code == 201:
            appointment = held.json()["id"]
            self.client.post(f"/api/appointments/{appointment}/confirm/", headers=headers, name="confirm")


class HotSlotUser(BenchUser):
    """Every patient races for the same few slots; each user starts at a different one."""

    def on_start(self) -> None:
        super().on_start()
        self.turn = self.number

    @task
    def book(self) -> None:
        slot = self.slots[self.turn % len(self.slots)]
        self.turn += 1
        self.client.post("/api/appointments/", json={"slot": slot}, name="book-hot")
