"""The README's FHIR curl walk-through ($find → $hold → $book), run as written after the REST one."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from appointments.models import Appointment

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.django_db(transaction=True)


def block(name: str) -> str:
    found = re.search(rf"<!-- {name}:start -->\s*```sh\n(.*?)```\s*<!-- {name}:end -->", README.read_text(), re.S)
    assert found, f"README.md has no {name} block"
    return found.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_fhir_walkthrough_books_through_a_hold(live_server, settings):
    settings.RATE_LIMITS = False
    call_command("seed_demo", "--password", "walkthrough-demo-pass-1", verbosity=0)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block("walkthrough") + block("fhir-walkthrough")],
        env={**os.environ, "BASE": live_server.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"status":"booked"' in result.stdout, result.stdout
    walker = Appointment.objects.filter(patient__user__email__startswith="walker-")
    assert sorted(walker.values_list("status", flat=True)) == ["cancelled", "scheduled"]
    assert walker.get(status="scheduled").slot.status == "booked"
