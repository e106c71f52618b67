"""The worker scenario's own logic (bench/worker.py): its rate, the exactly-once count, its rows in the report.

The scenario itself needs a seeded database and minutes (`python -m bench.run --scenarios worker`).
"""

import math
import smtplib
from email.message import EmailMessage

import pytest

from bench import worker
from bench.config import SCENARIOS, parse_args
from bench.report import Report, table, worker_figures, worker_text
from bench.stats import Measurement, Sample, summarize


@pytest.fixture(autouse=True)
def _no_bench_environment(monkeypatch):
    for name in (
        "BENCH_DURATION",
        "BENCH_WARMUP",
        "BENCH_USERS",
        "BENCH_ROUNDS",
        "BENCH_PACED_LOAD",
        "BENCH_PACED_RPS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_rate_runs_from_the_release_to_the_last_send():
    assert worker.throughput(100, 10.0, [10.5, 12.0, 11.0]) == 50.0
    assert math.isnan(worker.throughput(100, 10.0, []))  # nothing sent
    assert math.isnan(worker.throughput(0, 10.0, [11.0]))
    assert math.isnan(worker.throughput(5, 10.0, [9.0]))  # a clock that went backwards gives no figure


def test_deliveries_count_each_released_id_once_and_everything_else_as_a_fault():
    got = worker.deliveries([1, 2, 3, 4], [1, 2, 2, 2, 3, 9, None])
    assert (got.once, got.missing, got.duplicates, got.unknown) == (2, 1, 2, 2)
    assert not got.exactly_once
    assert worker.deliveries([1, 2], [2, 1]).exactly_once
    assert not worker.deliveries([1, 2], [1]).exactly_once  # a missing one alone fails it
    assert not worker.deliveries([1], [1, None]).exactly_once  # so does a message without an id


def test_bookings_are_split_into_lanes_of_at_most_a_hundred_slots():
    assert worker.lane_sizes(1000) == [100] * 10
    assert worker.lane_sizes(250) == [100, 100, 50]
    assert worker.lane_sizes(7) == [7]


def phase(processes: int, *, received: list[int | None], sent: list[float]) -> object:
    got = worker.deliveries(range(len(sent)), received)
    return worker.summarize_phase(processes, count=len(sent), released=0.0, sent=sent, got=got, notes=[])


def test_the_rows_show_notifications_a_second_and_no_latency_or_ratio():
    report = Report()
    me = [Sample(start=0.5, ms=10.0, status=200)] * 100
    report.add(summarize("me", "GET /me", Measurement(samples=me, begin=0.0, end=1.0), ok=frozenset({200})))
    report.add(phase(1, received=[0, 1, 2, 3], sent=[0.5, 1.0, 1.5, 2.0]))
    report.add(phase(2, received=[0, 1, 2, 3], sent=[0.25, 0.5, 0.75, 1.0]))
    one, two = report.results["worker_1"], report.results["worker_2"]
    assert (one.rps, two.rps) == (2.0, 4.0) and one.errors == 0 and one.ok == 4
    assert math.isnan(one.p50_ms) and math.isnan(report.ratio(one, "me"))
    row = table(report).splitlines()[3]
    assert row.startswith("worker, 1 process (notifications/s)") and row.split()[-2:] == ["-", "-"]
    assert worker_figures(report) == {"1": 2.0, "2": 4.0}
    assert worker_text(report) == "worker, 1 process: 2.0 notifications/s; 2 processes: 4.0/s"
    assert worker_text(Report()) == ""
    report.add(phase(1, received=[0, 1], sent=[1.0, 2.0]))  # a second round
    assert "worker, 1 process (notifications/s): 2.0, 1.0 notifications/s" in report.rounds_text()


def test_a_duplicate_or_a_missing_send_is_an_error_of_the_row():
    duplicated = phase(1, received=[0, 1, 1], sent=[1.0, 2.0])
    missing = phase(2, received=[0], sent=[1.0, 2.0])
    assert duplicated.errors == 1 and duplicated.status_counts["duplicates"] == 1
    assert missing.errors == 1 and missing.status_counts["missing"] == 1


def test_the_worker_scenario_runs_last_and_its_count_is_an_option(capsys):
    assert SCENARIOS[-1] == "worker"
    config = parse_args(["--scenarios", "worker,me", "--worker-notifications", "50"])
    assert config.scenarios == ("me", "worker") and config.worker_notifications == 50
    assert parse_args([]).worker_notifications == 1000
    with pytest.raises(SystemExit):
        parse_args(["--worker-notifications", "0"])
    assert "--worker-notifications must be at least 1" in capsys.readouterr().err


def test_the_sink_keeps_each_messages_notification_id():
    sink = worker.Sink()
    with sink as url:
        port = int(url.rsplit(":", 1)[1])
        for header in ("41", None):
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = "s", "a@example.test", "b@example.test"
            if header:
                message[worker.HEADER] = header
            message.set_content("body")
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                smtp.send_message(message)
    assert sink.ids == [41, None]
