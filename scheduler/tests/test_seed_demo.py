import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from appointments.models import Appointment
from doctors.models import Doctor, Slot
from patients.models import Patient

pytestmark = pytest.mark.django_db


# A Wednesday, 10:20 in the clinic (Europe/Berlin): visits today at 11:00, 12:00 and 13:00.
WEDNESDAY = datetime.datetime(2030, 1, 16, 10, 20, tzinfo=ZoneInfo("Europe/Berlin"))


@time_machine.travel(WEDNESDAY, tick=False)
def test_seed_demo_creates_what_is_missing_once_and_prints_logins(settings):
    settings.CLINIC_TIME_ZONE = "Europe/Berlin"
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-for-tests-1", stdout=out)
    assert "patient@demo.clinic" in out.getvalue()
    assert Doctor.objects.count() == 3 and Patient.objects.count() == 3
    assert User.objects.get(email="admin@demo.clinic").is_admin
    slots = Slot.objects.filter(status="free")
    assert slots.count() == 3 * 10 * 8  # three doctors, ten weekdays, eight hours
    assert "Published 240" in out.getvalue()
    # Today: three visits per doctor from the next full hour, the first of each checked in, no one twice at once.
    assert "Booked 9 visits today (3 checked in)" in out.getvalue()
    today = Appointment.objects.filter(start__date=WEDNESDAY.date())
    assert sorted(today.values_list("status", flat=True)) == ["checked_in"] * 3 + ["scheduled"] * 6
    assert {a.start.astimezone(WEDNESDAY.tzinfo).hour for a in today} == {11, 12, 13}
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "already present" in again.getvalue() and "Booked" not in again.getvalue()
    assert Doctor.objects.count() == 3 and User.objects.count() == 7
    assert Slot.objects.count() == 240 + 9 and Appointment.objects.count() == 9
