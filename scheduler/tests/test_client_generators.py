"""The OpenAPI document as client generators meet it, fetched from a live test server.

- openapi-python-client generates a client with no warning, ``mypy --strict`` accepts a script that walks
  a patient's journey with it (tools/openapi/journey.py), and the script passes against the server;
- openapi-typescript generates types and ``tsc --strict`` accepts API.md's examples written with
  openapi-fetch (tools/openapi/usage.ts);
- Redocly's recommended rules, with the project's exceptions (tools/openapi/redocly.yaml), find no error.

The Node tools come from tools/openapi/package-lock.json (``npm ci`` there; .ci/run does it). Without them
the tests are skipped, unless ``REQUIRE_CLIENT_TOOLS=1`` (set by CI), which makes that a failure.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import factory
import pytest
from django.conf import settings
from django.utils import timezone

from doctors.tests.factories import SlotFactory

TOOLS = Path(settings.BASE_DIR) / "tools" / "openapi"
NODE_BIN = TOOLS / "node_modules" / ".bin"
PYTHON_BIN = Path(sys.executable).parent
TIMEOUT = 180


def require(*executables: Path) -> None:
    """Skip when a tool is missing, or fail when REQUIRE_CLIENT_TOOLS=1 says it must be there."""
    missing = [str(e) for e in executables if not e.exists()]
    if not missing:
        return
    reason = f"missing {', '.join(missing)} (run `npm ci` in tools/openapi, `pip install -r requirements-dev.txt`)"
    if os.environ.get("REQUIRE_CLIENT_TOOLS") == "1":
        pytest.fail(f"REQUIRE_CLIENT_TOOLS=1 but {reason}", pytrace=False)
    pytest.skip(f"client generator test skipped: {reason} (REQUIRE_CLIENT_TOOLS=1 makes this a failure)")


def run(command: list, cwd: Path, **kwargs) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output[-15_000:]}"
    return output


@pytest.fixture(scope="module")
def document(live_server, tmp_path_factory, django_db_blocker) -> Path:
    """The live /api/schema/ as JSON, as a generator would download it."""
    # The server's thread opens the database for each request; on SQLite (``make test``) it shares this
    # thread's connection, which pytest-django blocks outside a test's database access.
    with (
        django_db_blocker.unblock(),
        urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=60) as answer,
    ):
        body = json.load(answer)
    path = tmp_path_factory.mktemp("openapi") / "schema.json"
    path.write_text(json.dumps(body))
    return path


@pytest.mark.django_db(transaction=True)
def test_the_python_client_generates_cleanly_type_checks_and_walks_the_patient_journey(
    live_server, document, settings, tmp_path
):
    generator = PYTHON_BIN / "openapi-python-client"
    require(generator, PYTHON_BIN / "mypy")
    settings.RATE_LIMITS = settings.AXES_ENABLED = False  # the journey signs in more often than a person
    # Explicit starts: the factory's sequence runs on across the suite, past the search's default window.
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)
    SlotFactory.create_batch(3, start=factory.Iterator(soon + datetime.timedelta(hours=n) for n in range(3)))
    (tmp_path / "config.yaml").write_text("post_hooks: []\npackage_name_override: clinic_client\n")
    output = run(
        [
            generator,
            "generate",
            "--path",
            document,
            "--meta",
            "none",
            "--output-path",
            "clinic_client",
            "--config",
            "config.yaml",
        ],
        cwd=tmp_path,
    )
    assert "warning" not in output.lower(), output
    shutil.copy(TOOLS / "journey.py", tmp_path)

    run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            tmp_path / ".mypy_cache",
            "journey.py",
            "clinic_client",
        ],
        cwd=tmp_path,
    )
    output = run([sys.executable, "journey.py", live_server.url], cwd=tmp_path, env={**os.environ, "PYTHONPATH": "."})
    assert "journey ok" in output


def test_typescript_types_generate_and_api_md_examples_compile_with_them(document, tmp_path):
    require(NODE_BIN / "openapi-typescript", NODE_BIN / "tsc")
    for name in ("usage.ts", "tsconfig.json"):
        shutil.copy(TOOLS / name, tmp_path)
    (tmp_path / "node_modules").symlink_to(TOOLS / "node_modules")
    output = run([NODE_BIN / "openapi-typescript", document, "--output", "schema.d.ts"], cwd=tmp_path)
    assert "warn" not in output.lower(), output
    run([NODE_BIN / "tsc", "-p", "tsconfig.json"], cwd=tmp_path)


def test_redocly_finds_no_error(document, tmp_path):
    require(NODE_BIN / "redocly")
    quiet = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    lint = [NODE_BIN / "redocly", "lint", document, "--config", TOOLS / "redocly.yaml", "--format", "stylish"]
    run(lint, cwd=tmp_path, env=quiet)
