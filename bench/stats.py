"""From raw request samples to one scenario's figures: rate, percentiles and answers by kind."""

import math
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    start: float  # epoch seconds when the request was sent
    ms: float  # latency in milliseconds
    status: int  # HTTP status; 0 for a transport error (refused, reset, timeout)
    code: str = ""  # the 409 body's `code`, or the transport error's name


@dataclass(frozen=True)
class Measurement:
    """Every request of one run, and the window [begin, end) that rates and latencies are taken over.

    The window leaves out the warm-up (users spawning, first connections) and the stop; counts of
    answers by kind cover the whole run, so an error during the warm-up is still an error.
    """

    samples: list[Sample]
    begin: float
    end: float
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    title: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    measured_requests: int
    total_requests: int
    ok: int
    expected_409: int
    errors_5xx: int
    unexpected: int
    transport_errors: int
    status_counts: dict[str, int]
    codes_409: dict[str, int]
    notes: list[str]

    @property
    def errors(self) -> int:
        return self.errors_5xx + self.unexpected + self.transport_errors


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the smallest value with at least ``fraction`` of the values at or below it)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(
    name: str, title: str, measurement: Measurement, *, ok: frozenset[int], conflicts_expected: bool = False
) -> ScenarioResult:
    samples = measurement.samples
    window = [s for s in samples if measurement.begin <= s.start < measurement.end]
    latencies = sorted(s.ms for s in window)
    seconds = measurement.end - measurement.begin
    statuses = Counter(s.status for s in samples)
    codes_409 = Counter(s.code for s in samples if s.status == 409)
    expected_409 = statuses[409] if conflicts_expected else 0
    errors_5xx = sum(n for status, n in statuses.items() if status >= 500)
    transport = statuses[0]
    unexpected = len(samples) - sum(statuses[s] for s in ok) - expected_409 - errors_5xx - transport
    return ScenarioResult(
        name=name,
        title=title,
        rps=len(window) / seconds if seconds > 0 else math.nan,
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        measured_requests=len(window),
        total_requests=len(samples),
        ok=sum(statuses[s] for s in ok),
        expected_409=expected_409,
        errors_5xx=errors_5xx,
        unexpected=unexpected,
        transport_errors=transport,
        status_counts={str(status): n for status, n in sorted(statuses.items())},
        codes_409=dict(codes_409),
        notes=list(measurement.notes),
    )


def paced_rate(closed: ScenarioResult | None, *, load: float, fixed: float | None) -> float | None:
    """The rate a paced scenario offers: ``fixed``, or ``load`` times what its closed-loop run answered.

    Only the closed-loop run's successful answers count (errors that come back fast would set a pace
    the search cannot keep). None when there is no pace to take: the closed-loop run is missing, had
    an error, or answered nothing.
    """
    if fixed is not None:
        return fixed
    if closed is None or closed.errors or not closed.measured_requests:
        return None
    rate = load * closed.rps
    return rate if math.isfinite(rate) and rate > 0 else None
