"""The README's curl walk-through, run exactly as written against a live server."""

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


def walkthrough() -> str:
    block = re.search(
        r"<!-- walkthrough:start -->\s*```sh\n(.*?)```\s*<!-- walkthrough:end -->", README.read_text(), re.S
    )
    assert block, "README.md has no walk-through block"
    return block.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_walkthrough_works(live_server, settings):
    settings.RATE_LIMITS = False
    call_command("seed_demo", "--password", "walkthrough-demo-pass-1", verbosity=0)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        env={**os.environ, "BASE": live_server.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    appointment = Appointment.objects.get(patient__user__email__startswith="walker-")
    assert appointment.status == "cancelled" and appointment.reason == "Check-up"
    assert appointment.slot.status == "free"
