"""Benchmark the API as production serves it (`make bench`; bench/README.md says how to read it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_bench python -m bench.run [--workers 4]

Seeds the database if it has no bench data, serves the project with gunicorn and the repository's
gunicorn.conf.py on a free port of 127.0.0.1, drives it with locust (64 users by default) through the
scenarios, measures the same booking transaction with pgbench, checks the booking invariants after
every writing scenario, prints one table and writes it as JSON under bench/results/. Exit status 1
when a correctness check failed (invariants, hot-slot count, errors); the performance targets are
reported, not enforced.
"""

import os
import signal
import sys
from types import FrameType

import django

from bench.config import SCENARIOS, parse_args
from bench.database import seed_if_needed
from bench.server import production_environment

SETUP_SECONDS = 300  # migrations, planning, vacuum: generous, for the access tokens' lifetime


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` blocks: gunicorn stops, data is reset


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    seed_if_needed(config, dict(os.environ))  # bench.seed keeps its own (development) settings
    run_seconds = SETUP_SECONDS + config.rounds * len(SCENARIOS) * (config.duration + 60)
    env = production_environment(config, run_seconds=run_seconds)
    # This process issues the access tokens, so it signs them with the server's secret.
    os.environ.update(env)
    django.setup()
    from bench.suite import Suite  # needs Django set up

    return Suite(config, env).run()


if __name__ == "__main__":
    sys.exit(main())
