"""Schemathesis against our own OpenAPI document, with two signed-in patients.

Checks: no 5xx anywhere, every response conforms to the schema (the docs tell the truth), and
object-level authorization (one patient cannot read what the other can). Fixed seed and a time budget.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from patients.services import register_patient

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "fuzzing-passphrase-1"
PATIENTS = ["patient@demo.clinic", "second@demo.clinic"]
BUDGET_SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))


def wfc_document() -> dict:
    def login(email: str) -> dict:
        return {
            "name": email.split("@")[0],
            "loginEndpointAuth": {
                "endpoint": "/api/auth/token/",
                "verb": "POST",
                "contentType": "application/json",
                "payloadRaw": json.dumps({"email": email, "password": PASSWORD}),
                "token": {
                    "extractFrom": "body",
                    "extractSelector": "/access",
                    "sendIn": "header",
                    "sendName": "Authorization",
                    "sendTemplate": "Bearer {token}",
                },
            },
        }

    return {"auth": [login(email) for email in PATIENTS]}


def test_schemathesis_finds_no_server_error_no_schema_violation_and_no_authorization_leak(
    live_server, settings, tmp_path: Path
):
    settings.RATE_LIMITS = settings.AXES_ENABLED = False  # measure the API, not the limiter
    call_command("seed_demo", "--password", PASSWORD, verbosity=0)  # doctors with two weeks of free slots
    register_patient(
        email=PATIENTS[1],
        password=PASSWORD,
        first_name="Sec",
        last_name="Ond",
        phone="+14155550999",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    auth = tmp_path / "wfc.json"
    auth.write_text(json.dumps(wfc_document()))
    (tmp_path / "schemathesis.toml").write_text(f'[auth.wfc]\npath = "{auth}"\npeers = ["patient", "second"]\n')
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    command = [
        executable,
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        "not_a_server_error,response_schema_conformance,object_level_authorization",
        "--seed",
        "20261130",
        "--max-examples",
        "15",
        "--max-time",
        str(BUDGET_SECONDS),
        "--workers",
        "1",
        "--no-color",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=BUDGET_SECONDS + 120)
    print(result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
