"""Before Django starts: make sure the bench database exists and is seeded (bench.seed)."""

import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

from bench.config import Config

SEED_TIMEOUT = 30 * 60  # seconds; 1,000 doctors take a few minutes on two cores


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def ensure_database(url: str) -> None:
    """CREATE DATABASE when the one named in ``url`` does not exist yet (for scheduler_bench_small)."""
    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(_maintenance_url(url))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                print(f"Creating database {name}.", flush=True)
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def bench_doctor_count(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('doctors_doctor') IS NOT NULL")
            if not cur.fetchone()[0]:
                return 0
            cur.execute(
                "SELECT count(*) FROM doctors_doctor d JOIN accounts_user u ON u.id = d.user_id "
                "WHERE u.email LIKE 'bench-doctor-%%'"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def seed_if_needed(config: Config, env: dict[str, str]) -> None:
    """Run ``python -m bench.seed`` when asked to (``--doctors``) or when the database has no bench data.

    Without ``--doctors`` an already seeded database is used as it is, whatever its size, so that
    measuring ``scheduler_bench_small`` never grows it to the default 1,000 doctors.
    """
    ensure_database(config.database_url)
    if config.doctors is None and bench_doctor_count(config.database_url) > 0:
        return
    command = [sys.executable, "-m", "bench.seed"]
    if config.doctors is not None:
        command += ["--doctors", str(config.doctors)]
    if config.patients is not None:
        command += ["--patients", str(config.patients)]
    print("Seeding:", " ".join(command[1:]), flush=True)
    subprocess.run(command, env={**env, "DATABASE_URL": config.database_url}, check=True, timeout=SEED_TIMEOUT)
