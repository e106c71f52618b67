from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from doctors.models import Doctor, Slot
from patients.models import Patient

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_what_is_missing_once_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-for-tests-1", stdout=out)
    assert "patient@demo.clinic" in out.getvalue()
    assert Doctor.objects.count() == 3 and Patient.objects.count() == 1
    assert User.objects.get(email="admin@demo.clinic").is_admin
    slots = Slot.objects.filter(status="free")
    assert slots.count() == 3 * 10 * 8  # three doctors, ten weekdays, eight hours
    assert "Published 240" in out.getvalue()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "already present" in again.getvalue()
    assert Doctor.objects.count() == 3 and User.objects.count() == 5
    assert Slot.objects.count() == 240
