"""The benchmark's settings: command-line options with defaults from the environment."""

import argparse
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/scheduler_bench"
# Measured on the 2-core machine (bench/README.md, "Choosing the worker count").
DEFAULT_WORKERS = 2

# Scenario names, in the order they run. Baselines first, then reads, then writes: the reads see the
# freshly vacuumed tables (index-only scans) and the writes' clean-up comes last. A paced search runs
# after its closed-loop one, whose rate in the same round sets its pace.
SCENARIOS = (
    "bare",
    "me",
    "search",
    "fhir_search",
    "search_worst",
    "search_paced",
    "search_worst_paced",
    "appointments",
    "storm",
    "hold",
    "hot",
    "pgbench",
    "worker",
)
PACED = {"search_paced": "search", "search_worst_paced": "search_worst"}  # paced scenario -> closed-loop one


@dataclass(frozen=True)
class Config:
    database_url: str
    doctors: int | None
    patients: int | None
    duration: int
    warmup: int
    users: int
    workers: int
    scenarios: tuple[str, ...]
    hot_slots: int
    list_appointments: int
    pgbench_max_tps: int
    storm_max_rps: int
    paced_rps: float | None  # None: paced_load times the closed-loop rate
    paced_load: float
    rounds: int
    worker_notifications: int = 1000

    @property
    def database_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")


def _scenarios(value: str) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    return tuple(name for name in SCENARIOS if name in chosen)


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Serve the project with gunicorn and measure it with locust and pgbench (bench/README.md).",
    )
    parser.add_argument("--doctors", type=int, help="seed this many bench doctors (default: 1,000 if none yet)")
    parser.add_argument("--patients", type=int, help="seed this many bench patients (default: 50,000 if none yet)")
    parser.add_argument(
        "--duration",
        type=int,
        default=int(os.environ.get("BENCH_DURATION", "20")),
        help="seconds each scenario runs (env BENCH_DURATION, default 20)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=int(os.environ.get("BENCH_WARMUP", "2")),
        help="seconds at the start of each scenario left out of rates and latencies (default 2)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=int(os.environ.get("BENCH_USERS", "64")),
        help="concurrent locust users and pgbench clients (env BENCH_USERS, default 64)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("GUNICORN_WORKERS", DEFAULT_WORKERS)),
        help=f"gunicorn workers (env GUNICORN_WORKERS, default {DEFAULT_WORKERS})",
    )
    parser.add_argument(
        "--scenarios",
        type=_scenarios,
        default=SCENARIOS,
        help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--hot-slots", type=int, default=10, help="slots the hot-slot scenario races for")
    parser.add_argument(
        "--list-appointments",
        type=int,
        default=10,
        help="appointments each patient of the list scenario has (default 10)",
    )
    parser.add_argument(
        "--pgbench-max-tps",
        type=int,
        default=3000,
        help="upper bound on pgbench's rate, to reserve enough free slots (default 3000)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", "3")),
        help="run the scenarios this many times in turn and report each one's median round (env BENCH_ROUNDS, "
        "default 3)",
    )
    parser.add_argument(
        "--paced-load",
        type=float,
        default=float(os.environ.get("BENCH_PACED_LOAD", "0.5")),
        help="the paced searches offer this fraction of the rate their closed-loop search reached in the same "
        "round (env BENCH_PACED_LOAD, default 0.5: the server half busy)",
    )
    parser.add_argument(
        "--paced-rps",
        type=float,
        default=float(os.environ["BENCH_PACED_RPS"]) if os.environ.get("BENCH_PACED_RPS") else None,
        help="the paced searches offer this fixed rate instead (searches a second, spread over the users; "
        "env BENCH_PACED_RPS)",
    )
    parser.add_argument(
        "--storm-max-rps",
        type=int,
        default=1000,
        help="upper bound on the booking storm's rate, to reserve enough free slots (default 1000)",
    )
    parser.add_argument(
        "--worker-notifications",
        type=int,
        default=1000,
        help="notifications the worker scenario queues for each worker count (default 1000)",
    )
    args = parser.parse_args(argv)
    if args.duration <= args.warmup:
        parser.error("--duration must be longer than --warmup")
    if args.users < 1 or args.workers < 1:
        parser.error("--users and --workers must be at least 1")
    if args.worker_notifications < 1:
        parser.error("--worker-notifications must be at least 1")
    if not 0 < args.paced_load < 1:
        parser.error("--paced-load must be between 0 and 1")
    if args.paced_rps is None:
        for paced, closed in PACED.items():
            if paced in args.scenarios and closed not in args.scenarios:
                parser.error(f"{paced} takes its pace from {closed}: run both, or give --paced-rps")
    elif args.paced_rps <= 0:
        parser.error("--paced-rps must be positive")
    return Config(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        doctors=args.doctors,
        patients=args.patients,
        duration=args.duration,
        warmup=args.warmup,
        users=args.users,
        workers=args.workers,
        scenarios=args.scenarios,
        hot_slots=args.hot_slots,
        list_appointments=args.list_appointments,
        pgbench_max_tps=args.pgbench_max_tps,
        storm_max_rps=args.storm_max_rps,
        paced_rps=args.paced_rps,
        paced_load=args.paced_load,
        rounds=max(1, args.rounds),
        worker_notifications=args.worker_notifications,
    )
