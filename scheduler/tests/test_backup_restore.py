"""README's backup procedure, run: `pg_dump -Fc`, `pg_restore` into a fresh database, read it back with
the key (kept apart from the backup), and a clear failure without it (issue 21)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from appointments.tests.factories import past_appointment
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
READ_BACK = """
import json, django
django.setup()
from patients.models import Patient
from records.models import MedicalRecord
print(json.dumps({
    "insurance": sorted(p.insurance_number for p in Patient.objects.all()),
    "diagnoses": [r.diagnosis for r in MedicalRecord.objects.all()],
}))
"""


def libpq() -> tuple[list[str], dict]:
    db = connection.settings_dict
    options = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            options += [option, str(db[key])]
    return options, {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def read_back(url: str, **env) -> subprocess.CompletedProcess:
    """The app's own models, in a fresh process pointed at the restored database."""
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "scheduler.settings.test", **env}
    return subprocess.run(
        [sys.executable, "-c", READ_BACK], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    yield name
    options, env = libpq()
    subprocess.run(["dropdb", "--if-exists", "--force", *options, name], env=env, capture_output=True, check=False)


def test_a_restored_backup_reads_with_the_key_and_fails_clearly_without_it(tmp_path, restored_name, client_for):
    patients = [PatientFactory(insurance_number=f"BARMER-{n}00042") for n in range(3)]
    visit = past_appointment(patient=patients[0])
    record = {"appointment": visit.pk, "diagnosis": "Type 2 diabetes mellitus", "prescription": "", "notes": ""}
    assert client_for(visit.doctor.user).post("/api/records/", record, format="json").status_code == 201

    # README, Backup and restore: a custom-format dump, restored into a new, empty database.
    options, env = libpq()
    backup = tmp_path / "clinic.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", *options, "--file", str(backup), connection.settings_dict["NAME"]],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(["createdb", *options, restored_name], env=env, check=True, capture_output=True)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", *options, "--dbname", restored_name, str(backup)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    key = os.environ["FIELD_ENCRYPTION_KEY"]
    assert key.split(",")[0].encode() not in backup.read_bytes()  # the key is not in the backup
    assert b"BARMER-" not in backup.read_bytes() and b"diabetes" not in backup.read_bytes()

    with_key = read_back(database_url(restored_name), FIELD_ENCRYPTION_KEY=key)
    assert with_key.returncode == 0, with_key.stderr
    assert json.loads(with_key.stdout) == {
        "insurance": ["BARMER-000042", "BARMER-100042", "BARMER-200042"],
        "diagnoses": ["Type 2 diabetes mellitus"],
    }

    wrong_key = read_back(database_url(restored_name), FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert wrong_key.returncode != 0
    assert "DecryptionError: A stored encrypted value could not be decrypted: FIELD_ENCRYPTION_KEY does not hold" in (
        wrong_key.stderr
    )
    assert "BARMER-" not in wrong_key.stdout + wrong_key.stderr

    no_key = subprocess.run(
        [sys.executable, "-c", READ_BACK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if k != "FIELD_ENCRYPTION_KEY"},
            "DATABASE_URL": database_url(restored_name),
            "DJANGO_SETTINGS_MODULE": "scheduler.settings.base",
        },
    )
    assert no_key.returncode != 0 and "FIELD_ENCRYPTION_KEY is not set" in no_key.stderr
