"""The benchmark's own logic that decides what a run reports: options, figures, pace and targets.

Running the benchmark needs minutes and a seeded database (`make bench`); these need neither.
"""

import json
import math

import pytest

from bench import bare
from bench.config import parse_args
from bench.report import Report, targets
from bench.stats import Measurement, Sample, paced_rate, summarize

OK = frozenset({200})


@pytest.fixture(autouse=True)
def _no_bench_environment(monkeypatch):
    """Options default from BENCH_* variables; a developer's shell must not change these tests."""
    for name in (
        "BENCH_DURATION",
        "BENCH_WARMUP",
        "BENCH_USERS",
        "BENCH_ROUNDS",
        "BENCH_PACED_LOAD",
        "BENCH_PACED_RPS",
    ):
        monkeypatch.delenv(name, raising=False)


def result(name: str, *, rps: float, p50_ms: float, title: str = "", status: int = 200):
    """A scenario of one second whose requests all took ``p50_ms`` and answered ``status``."""
    samples = [Sample(start=0.5, ms=p50_ms, status=status) for _ in range(int(rps))]
    return summarize(name, title or name, Measurement(samples=samples, begin=0.0, end=1.0), ok=OK)


def target(report: Report, prefix: str) -> tuple[str, bool | None, str]:
    (found,) = [t for t in targets(report) if t[0].startswith(prefix)]
    return found


def test_summarize_counts_the_window_for_rates_and_every_answer_for_errors():
    samples = [
        Sample(start=0.1, ms=900.0, status=200),  # warm-up: counted as an answer, not in rate or latency
        *(Sample(start=1.0 + i / 10, ms=float(i + 1), status=200) for i in range(10)),
        Sample(start=2.5, ms=5.0, status=503),
        Sample(start=2.6, ms=5.0, status=0, code="ConnectionRefusedError"),
    ]
    r = summarize("me", "me", Measurement(samples=samples, begin=1.0, end=3.0), ok=OK)
    assert r.measured_requests == 12 and r.rps == 6.0
    assert r.p50_ms == 5.0 and r.p99_ms == 10.0
    assert (r.ok, r.errors_5xx, r.transport_errors, r.errors) == (11, 1, 1, 2)


@pytest.mark.parametrize(("bare_p50", "verdict"), [(54.2, "unreachable here"), (20.0, "not ruled out here")])
def test_the_search_latency_target_shows_what_the_bare_app_reached(bare_p50, verdict):
    report = Report()
    for r in (
        result("bare", rps=1000, p50_ms=bare_p50),
        result("me", rps=200, p50_ms=300.0),
        result("search", rps=140, p50_ms=450.0, title="search, typical"),
    ):
        report.add(r)
    name, met, figures = target(report, "search, typical: p50 < 50 ms")
    assert met is False
    assert figures == f"450.0 ms; the bare WSGI app's p50 at the same clients: {bare_p50:.1f} ms, {verdict}"
    assert target(report, "search, typical: p50 <= 2x /me p50")[1] is True


def test_a_paced_search_is_held_to_50_ms_alone():
    """Not beside the bare app's or the closed-loop /me's p50: those measure queueing at full load."""
    report = Report()
    report.add(result("bare", rps=1000, p50_ms=54.0))
    report.add(result("me", rps=200, p50_ms=5.0))
    report.add(result("search_worst_paced", rps=80, p50_ms=14.8, title="search, worst case, paced"))
    assert target(report, "search, worst case, paced: p50 < 50 ms")[1:] == (True, "14.8 ms")
    assert not [t for t in targets(report) if "2x /me" in t[0]]


def test_the_fhir_slot_search_is_held_to_1_5x_the_rest_search_p50():
    report = Report()
    report.add(result("fhir_search", rps=100, p50_ms=600.0, title="FHIR Slot search, typical"))
    assert target(report, "FHIR Slot search p50")[1:] == (None, "600.0 ms; the REST search did not run")
    report.add(result("search", rps=140, p50_ms=450.0, title="search, typical"))
    assert target(report, "FHIR Slot search p50 <= 1.5x REST search p50")[1:] == (True, "600.0 vs 675.0 ms")
    report.add(result("fhir_search", rps=90, p50_ms=700.0, title="FHIR Slot search, typical"))
    assert target(report, "FHIR Slot search p50")[1] is False
    assert not [t for t in targets(report) if t[0].startswith("FHIR Slot search, typical")]


def test_storm_target_is_the_ratio_to_me():
    report = Report()
    report.add(result("me", rps=200, p50_ms=300.0))
    report.add(result("storm", rps=78, p50_ms=800.0))
    assert target(report, "booking storm >= 40%")[1:] == (False, "39%")
    report.add(result("storm", rps=80, p50_ms=800.0))
    assert target(report, "booking storm >= 40%")[1] is True


def test_hold_and_confirm_is_reported_as_checkouts_beside_the_storm():
    report = Report()
    report.add(result("storm", rps=100, p50_ms=500.0))
    report.add(result("hold", rps=120, p50_ms=400.0))
    assert target(report, "hold + confirm") == (
        "hold + confirm: 0 errors",
        True,
        "60.0 checkouts/s; 60% of the booking storm's bookings/s",
    )
    report.add(result("hold", rps=120, p50_ms=400.0, status=409))
    assert target(report, "hold + confirm")[1] is False


def test_the_pace_is_a_share_of_what_the_closed_loop_search_answered():
    assert paced_rate(result("search", rps=140, p50_ms=400.0), load=0.5, fixed=None) == 70.0
    assert paced_rate(result("search", rps=140, p50_ms=400.0), load=0.5, fixed=30.0) == 30.0
    assert paced_rate(None, load=0.5, fixed=None) is None
    # Errors come back fast: a rate made of them would pace the search above what it can do.
    assert paced_rate(result("search", rps=900, p50_ms=1.0, status=500), load=0.5, fixed=None) is None
    empty = summarize("search", "search", Measurement(samples=[Sample(0.0, 1.0, 200)], begin=1.0, end=2.0), ok=OK)
    assert empty.measured_requests == 0 and paced_rate(empty, load=0.5, fixed=None) is None
    instant = summarize("search", "search", Measurement(samples=[Sample(1.0, 1.0, 200)], begin=1.0, end=1.0), ok=OK)
    assert math.isnan(instant.rps) and paced_rate(instant, load=0.5, fixed=None) is None


def error_of(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit):
        parse_args(argv)
    return capsys.readouterr().err


def test_a_paced_search_needs_its_closed_loop_search_or_a_fixed_rate(capsys):
    assert "search_worst_paced takes its pace from search_worst" in error_of(
        capsys, ["--scenarios", "me,search_worst_paced"]
    )
    assert parse_args(["--scenarios", "search_worst,search_worst_paced"]).paced_rps is None
    assert parse_args(["--scenarios", "search_paced", "--paced-rps", "50"]).paced_rps == 50
    assert "--paced-load must be between 0 and 1" in error_of(capsys, ["--paced-load", "1"])
    assert "--paced-load must be between 0 and 1" in error_of(capsys, ["--paced-load", "0"])
    assert "--paced-rps must be positive" in error_of(capsys, ["--paced-rps", "-1"])


def test_scenarios_run_in_the_documented_order_whatever_order_they_are_given_in(capsys):
    assert parse_args(["--scenarios", "storm,bare,me"]).scenarios == ("bare", "me", "storm")
    assert parse_args(["--scenarios", "hot,hold,storm"]).scenarios == ("storm", "hold", "hot")
    assert "unknown scenario(s) nope" in error_of(capsys, ["--scenarios", "me,nope"])


def test_the_bare_app_answers_any_path_with_a_small_json():
    seen = {}
    body = b"".join(bare.application({"PATH_INFO": "/healthz/"}, lambda status, headers: seen.update(s=status)))
    assert seen["s"] == "200 OK" and json.loads(body) == {"ok": True}
