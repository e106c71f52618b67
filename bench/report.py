"""The printed table, the targets, and the JSON file under bench/results/."""

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import ScenarioResult

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Report:
    results: dict[str, ScenarioResult] = field(default_factory=dict)  # per scenario: its median round
    rounds: dict[str, list[ScenarioResult]] = field(default_factory=dict)  # per scenario: every round
    invariants: dict[str, dict[str, int]] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)  # correctness: any False fails the run
    explain: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def add(self, result: ScenarioResult) -> None:
        self.rounds.setdefault(result.name, []).append(result)
        self.results[result.name] = result

    def keep_medians(self) -> None:
        """Report each scenario's median round by req/s (the lower middle one of an even count).

        A shared machine's speed drifts by tens of percent between runs; the median of rounds run in
        turn is what ratios between scenarios should be read from.
        """
        for name, results in self.rounds.items():
            ordered = sorted(results, key=lambda r: r.rps)
            self.results[name] = ordered[(len(ordered) - 1) // 2]

    def rounds_text(self) -> str:
        """req/s of every round per scenario, when there was more than one."""
        lines = []
        for name, results in self.rounds.items():
            if len(results) > 1:
                figures = ", ".join(f"{r.rps:.1f}" for r in results)
                unit = "notifications/s" if is_throughput(results[0]) else "req/s"
                lines.append(f"  {self.results[name].title}: {figures} {unit}")
        return "\n".join(lines)

    def check(self, name: str, ok: bool) -> None:
        self.checks[name] = ok

    @property
    def passed(self) -> bool:
        return all(self.checks.values())

    def ratio(self, result: ScenarioResult, baseline: str) -> float:
        base = self.results.get(baseline)
        if is_throughput(result):  # notifications/s over requests/s compares nothing
            return math.nan
        return result.rps / base.rps if base and base.rps else math.nan


def is_throughput(result: ScenarioResult) -> bool:
    """The worker scenario's rows: notifications sent a second, no HTTP and no latencies (bench/worker.py)."""
    return result.name.startswith("worker_")


def worker_figures(report: Report) -> dict[str, float]:
    """Notifications/s per worker count, e.g. {"1": 41.2, "2": 70.3}."""
    return {name.removeprefix("worker_"): r.rps for name, r in report.results.items() if is_throughput(r)}


def worker_text(report: Report) -> str:
    """Like 'worker, 1 process: X notifications/s; 2 processes: Y/s'; empty when the scenario did not run."""
    parts = [
        f"{n} process{'' if n == '1' else 'es'}: {_fmt(rate)}{'' if i else ' notifications'}/s"
        for i, (n, rate) in enumerate(worker_figures(report).items())
    ]
    return f"worker, {'; '.join(parts)}" if parts else ""


def _fmt(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


COLUMNS = ("scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "ok", "409", "5xx", "unexp.", "vs /me", "vs pgbench")


def table(report: Report) -> str:
    rows = [COLUMNS]
    for r in report.results.values():
        rows.append(
            (
                r.title,
                _fmt(r.rps),
                _fmt(r.p50_ms),
                _fmt(r.p95_ms),
                _fmt(r.p99_ms),
                str(r.ok),
                str(r.expected_409),
                str(r.errors_5xx),
                str(r.unexpected + r.transport_errors),
                _fmt(report.ratio(r, "me"), 2),
                _fmt(report.ratio(r, "pgbench"), 2),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def targets(report: Report) -> list[tuple[str, bool | None, str]]:
    """The performance targets (reported, not enforced): (target, met or None if not measured, figures)."""
    r = report.results
    out: list[tuple[str, bool | None, str]] = []
    me, storm, hot = r.get("me"), r.get("storm"), r.get("hot")
    if storm and me:
        ratio = storm.rps / me.rps
        out.append(("booking storm >= 40% of /me req/s", ratio >= 0.4, f"{ratio:.0%}"))
    if storm:
        out.append(("booking storm: 0 errors", storm.errors == 0 and storm.expected_409 == 0, f"{storm.errors}"))
    hold = r.get("hold")
    if hold:
        # Two requests a checkout: checkouts/s is half the req/s.
        figures = f"{hold.rps / 2:.1f} checkouts/s"
        if storm:
            figures += f"; {hold.rps / 2 / storm.rps:.0%} of the booking storm's bookings/s"
        out.append(("hold + confirm: 0 errors", hold.errors == 0 and hold.expected_409 == 0, figures))
    if hot:
        out.append(
            (
                "hot slots: exactly the hot slots booked",
                all(ok for name, ok in report.checks.items() if name.startswith("hot_slots_booked_exactly")),
                f"{hot.ok} x 201",
            )
        )
        out.append(("hot slots: 0 5xx", hot.errors_5xx == 0, f"{hot.errors_5xx}"))
        if storm:
            out.append(
                (
                    "hot slots p99 <= 3x booking storm p99",
                    hot.p99_ms <= 3 * storm.p99_ms,
                    f"{hot.p99_ms:.1f} vs {3 * storm.p99_ms:.1f} ms",
                )
            )
    bare = r.get("bare")
    for name in ("search", "search_worst", "search_paced", "search_worst_paced"):
        s = r.get(name)
        if not s:
            continue
        figures = f"{s.p50_ms:.1f} ms"
        paced = name.endswith("_paced")
        if bare and not paced:
            # Closed loop: p50 is about users / rate (Little's law), so the bare app's p50 bounds it from below.
            verdict = "unreachable here" if bare.p50_ms >= 50 else "not ruled out here"
            figures += f"; the bare WSGI app's p50 at the same clients: {bare.p50_ms:.1f} ms, {verdict}"
        out.append((f"{s.title}: p50 < 50 ms", s.p50_ms < 50, figures))
        if me and not paced:  # /me runs closed-loop: compare like with like
            out.append(
                (
                    f"{s.title}: p50 <= 2x /me p50",
                    s.p50_ms <= 2 * me.p50_ms,
                    f"{s.p50_ms:.1f} vs {2 * me.p50_ms:.1f} ms",
                )
            )
    out.extend(_fhir_target(r))
    return out


def _fhir_target(r: dict[str, ScenarioResult]) -> list[tuple[str, bool | None, str]]:
    """The FHIR Slot search runs the REST search's statement: its p50 within 1.5x of the REST one's."""
    fhir, rest = r.get("fhir_search"), r.get("search")
    if not fhir:
        return []
    name = "FHIR Slot search p50 <= 1.5x REST search p50"
    if not rest:
        return [(name, None, f"{fhir.p50_ms:.1f} ms; the REST search did not run")]
    return [(name, fhir.p50_ms <= 1.5 * rest.p50_ms, f"{fhir.p50_ms:.1f} vs {1.5 * rest.p50_ms:.1f} ms")]


def targets_text(report: Report) -> str:
    marks = {True: "met   ", False: "MISSED", None: "n/a   "}
    return "\n".join(f"  {marks[ok]}  {name}  ({figures})" for name, ok, figures in targets(report))


def write_json(report: Report, meta: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{meta['database']['name']}-w{meta['gunicorn']['workers']}-u{meta['load']['users']}.json"
    body = {
        **meta,
        "scenarios": [
            {
                **asdict(r),
                "ratio_to_me": report.ratio(r, "me"),
                "ratio_to_pgbench": report.ratio(r, "pgbench"),
                "rounds_rps": [round_.rps for round_ in report.rounds.get(r.name, [])],
            }
            for r in report.results.values()
        ],
        "targets": [{"target": name, "met": ok, "figures": figures} for name, ok, figures in targets(report)],
        "invariants": report.invariants,
        "checks": report.checks,
        "passed": report.passed,
        "explain_search": report.explain,
        "worker_notifications_per_s": worker_figures(report),
    }
    path.write_text(json.dumps(_finite(body), indent=2, default=str) + "\n")
    return path


def _finite(value: Any) -> Any:
    """NaN (a figure that could not be measured) as null, which JSON has and NaN is not."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
