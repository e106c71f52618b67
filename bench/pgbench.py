"""Baseline: the booking transaction as raw SQL, driven by pgbench at the same concurrency (Django set up).

The script issues what ``appointments.services.book_appointment`` issues inside its transaction, in the
same order and with the same locks: the patient row FOR NO KEY UPDATE, the slot row FOR NO KEY UPDATE
(read with its doctor's account's ``is_active``), the slot marked booked, the appointment inserted
(checked by the same unique index and exclusion constraint, which is the patient's overlap check on
PostgreSQL) and its ``booked`` event inserted.
What the application adds around it (the HTTP request, JWT check and user query, the patient lookup,
connection health check, serialisation) is what the ratio to this baseline measures. If the service's
statements change, change these too.

Which patient books which slot comes from a small plan table (client, seq) → (patient, slot), built
from lanes, so each client books distinct, non-overlapping slots; the plan lookup is folded into the
patient lock's query, so it costs no extra round trip.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.db import connection

from bench.fixtures import Lane
from bench.stats import Measurement, Sample

PLAN_TABLE = "bench_pgbench_plan"

SCRIPT = f"""\
\\set seq :seq + 1
BEGIN;
SELECT p.id AS pid, b.user_id AS uid, b.slot_id AS sid FROM {PLAN_TABLE} b
  JOIN patients_patient p ON p.id = b.patient_id WHERE b.round = :round AND b.client = :client_id AND b.seq = :seq
  FOR NO KEY UPDATE OF p
\\gset
SELECT s.*, u.is_active FROM doctors_slot s JOIN doctors_doctor d ON d.id = s.doctor_id
  JOIN accounts_user u ON u.id = d.user_id WHERE s.id = :sid ORDER BY s.id FOR NO KEY UPDATE OF s;
UPDATE doctors_slot SET status = 'booked' WHERE id = :sid;
INSERT INTO appointments_appointment (created_at, updated_at, start, "end", status, reason, cancellation_reason,
                                      doctor_id, patient_id, slot_id)
  SELECT now(), now(), start, "end", 'scheduled', '', '', doctor_id, :pid, id FROM doctors_slot WHERE id = :sid
  RETURNING id AS aid
\\gset
INSERT INTO appointments_appointmentevent (action, at, detail, actor_id, appointment_id)
  VALUES ('booked', now(), jsonb_build_object('slot', :sid), :uid, :aid);
END;
"""


def write_plan(rounds: list[list[list[Lane]]]) -> None:
    """(Re)create the plan table: in each round, client i books its lanes' slots in order, seq from 1."""
    round_nos, clients, seqs, patients, users, slots = [], [], [], [], [], []
    for round_no, lanes_by_client in enumerate(rounds):
        for client, lanes in enumerate(lanes_by_client):
            seq = 0
            for lane in lanes:
                for slot_id in lane.slot_ids:
                    seq += 1
                    round_nos.append(round_no)
                    clients.append(client)
                    seqs.append(seq)
                    patients.append(lane.patient_id)
                    users.append(lane.user_id)
                    slots.append(slot_id)
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PLAN_TABLE}")
        cur.execute(
            f"CREATE UNLOGGED TABLE {PLAN_TABLE} (round int, client int, seq int, patient_id bigint, "
            "user_id bigint, slot_id bigint, PRIMARY KEY (round, client, seq))"
        )
        cur.execute(
            f"INSERT INTO {PLAN_TABLE} SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::bigint[], "
            "%s::bigint[], %s::bigint[])",
            [round_nos, clients, seqs, patients, users, slots],
        )
        cur.execute(f"ANALYZE {PLAN_TABLE}")


def drop_plan() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PLAN_TABLE}")


def _read_logs(directory: Path) -> list[Sample]:
    """pgbench -l lines: client transaction_no latency_us script_no epoch_s epoch_us [...]."""
    samples = []
    for path in directory.glob("pgbench_log.*"):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) < 6:
                continue
            start = int(fields[4]) + int(fields[5]) / 1e6
            if fields[2].isdigit():
                latency_ms = int(fields[2]) / 1000
                samples.append(Sample(start=start - latency_ms / 1000, ms=latency_ms, status=201))
            else:  # "failed" or "skipped"
                samples.append(Sample(start=start, ms=0.0, status=0, code=fields[2]))
    return sorted(samples, key=lambda s: s.start)


def run_pgbench(
    *, database_url: str, clients: int, duration: int, warmup: int, log: Path, round_no: int = 0
) -> Measurement:
    binary = shutil.which("pgbench")
    if binary is None:
        raise RuntimeError("pgbench not found: apt-get install postgresql-client")
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        workdir = Path(tmp)
        script = workdir / "book.sql"
        script.write_text(SCRIPT)
        command = [
            binary,
            "--no-vacuum",
            "--file",
            str(script),
            "--define",
            "seq=0",
            "--define",
            f"round={round_no}",
            "--client",
            str(clients),
            "--jobs",
            "2",
            "--time",
            str(duration),
            "--protocol",
            "simple",
            "--log",
            "--log-prefix",
            str(workdir / "pgbench_log"),
            database_url,
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120, check=False)
        with log.open("a") as out:
            out.write(f"\n=== pgbench ===\n{result.stdout}\n{result.stderr}\n")
        samples = _read_logs(workdir)
    notes = []
    if result.returncode != 0 or "aborted" in result.stderr or "aborted" in result.stdout:
        notes.append(f"pgbench exited {result.returncode} or aborted clients (see {log}): raise --pgbench-max-tps?")
    if not samples:
        raise RuntimeError(f"pgbench logged no transaction; see {log}")
    first = samples[0].start
    last = max(s.start + s.ms / 1000 for s in samples)
    return Measurement(samples=samples, begin=first + warmup, end=last, notes=notes)
