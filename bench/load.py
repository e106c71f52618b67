"""Run one locust scenario headless in a subprocess and read back its samples."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.stats import Measurement, Sample

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
STOP_TIMEOUT = 15  # seconds users may take to finish their request in flight when the time is up
CPU_WARNING = "CPU usage above"  # locust's own warning that the load generator is saturated


def run_locust(
    user_class: str, plan: dict[str, Any], *, config: Config, host: str, workdir: Path, log: Path
) -> Measurement:
    """``config.users`` users of ``user_class`` for ``config.duration`` seconds against ``host``."""
    plan_path = workdir / f"{user_class}-plan.json"
    samples_path = workdir / f"{user_class}-samples.json"
    plan_path.write_text(json.dumps(plan))
    samples_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        user_class,
        "--headless",
        "--host",
        host,
        "--users",
        str(config.users),
        "--spawn-rate",
        str(config.users),
        "--run-time",
        f"{config.duration}s",
        "--stop-timeout",
        str(STOP_TIMEOUT),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}  # no secrets
    env.update(BENCH_PLAN=str(plan_path), BENCH_SAMPLES=str(samples_path))
    with log.open("a") as out:
        out.write(f"\n=== locust {user_class} ===\n")
        out.flush()
        subprocess.run(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=config.duration + STOP_TIMEOUT + 60,
        )
    plan_path.unlink()  # it holds access tokens
    raw = json.loads(samples_path.read_text())
    samples_path.unlink()
    samples = [Sample(start=s[0], ms=s[1], status=s[2], code=s[3]) for s in raw["samples"]]
    if not samples:
        raise RuntimeError(f"locust {user_class} recorded no request; see {log}")
    spawned = raw["marks"].get("spawned", samples[0].start)
    stopping = raw["marks"].get("stopping", max(s.start for s in samples))
    notes = []
    if raw["exhausted_users"]:
        notes.append(f"{len(raw['exhausted_users'])} users ran out of slots: raise --storm-max-rps")
    if CPU_WARNING in log.read_text().rsplit(f"=== locust {user_class} ===", 1)[-1]:
        notes.append("locust reported its CPU above 90%: the load generator was saturated")
    return Measurement(samples=samples, begin=spawned + config.warmup, end=stopping, notes=notes)
