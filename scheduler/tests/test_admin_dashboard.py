import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import AppointmentStatus
from appointments.tests.factories import AppointmentFactory, past_appointment
from doctors.tests.factories import DoctorFactory

pytestmark = pytest.mark.django_db


def test_the_admin_index_is_a_dashboard_of_today(client, admin_user):
    appointment = past_appointment(hours_ago=0)
    DoctorFactory(availability_status="occupied", user__last_name="Busyperson")
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clinic dashboard" in html and 'id="clinic-dashboard"' in html
    assert f"/admin/appointments/appointment/{appointment.pk}/change/" in html
    assert "Busyperson" in html


def test_the_dashboard_needs_staff(client):
    assert client.get("/admin/").status_code == 302


# ---- the front desk's dashboard: who has checked in, the next arrivals per doctor, in clinic time ------


BERLIN = ZoneInfo("Europe/Berlin")
# A summer day: Berlin is UTC+2, so a 09:00 visit starts at 07:00 UTC. "Now" is 08:30 there.
NOW = datetime.datetime(2031, 7, 15, 6, 30, tzinfo=datetime.UTC)


def visit(doctor, hour: int, day: int = 15, **kwargs):
    start = datetime.datetime(2031, 7, day, hour, tzinfo=BERLIN)
    return AppointmentFactory(
        slot__doctor=doctor, slot__start=start, slot__end=start + datetime.timedelta(hours=1), **kwargs
    )


def sections(html: str) -> tuple[str, str]:
    checked_in = html.split('id="checked-in"')[1].split("</table>")[0]
    arrivals = html.split('id="next-arrivals"')[1].split("</table>")[0]
    return checked_in, arrivals


def test_the_dashboard_shows_who_checked_in_and_the_next_arrivals_per_doctor_in_clinic_time(
    client, admin_user, settings
):
    settings.CLINIC_TIME_ZONE = "Europe/Berlin"
    house = DoctorFactory(user__last_name="Housemann")
    grey = DoctorFactory(user__last_name="Greyson")
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        visit(house, 8, status=AppointmentStatus.CHECKED_IN, patient__user__last_name="Arrivedson")
        visit(house, 7, status=AppointmentStatus.COMPLETED, patient__user__last_name="Doneson")
        next_house = [visit(house, h, patient__user__last_name=f"Nexthouse{h}") for h in (9, 10, 11, 12)]
        next_grey = visit(grey, 9, patient__user__last_name="Nextgrey")
        visit(grey, 10, status=AppointmentStatus.PENDING, patient__user__last_name="Liveholdson")
        expired = visit(grey, 11, status=AppointmentStatus.PENDING, patient__user__last_name="Expiredholdson")
        cancelled = visit(grey, 12, patient__user__last_name="Cancelson")
        visit(grey, 9, day=16, patient__user__last_name="Tomorrowson")
    type(cancelled).objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)
    expired.hold_expires_at = NOW - datetime.timedelta(minutes=1)
    expired.save(update_fields=["hold_expires_at"])
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin_user)
        html = client.get("/admin/").content.decode()
    assert "Tuesday 15 July 2031 (times in Europe/Berlin)" in html
    checked_in, arrivals = sections(html)
    assert "Arrivedson" in checked_in and "08:00–09:00" in checked_in  # 06:00 UTC, shown in Berlin time
    assert "Doneson" not in checked_in + arrivals
    # Per doctor, by name; the next three of each, earliest first; no holds, live or expired.
    assert arrivals.index("Greyson") < arrivals.index("Housemann")
    for appointment in next_house[:3]:
        assert f"/admin/appointments/appointment/{appointment.pk}/change/" in arrivals
    assert "Nexthouse12" not in arrivals  # a fourth: beyond the three shown per doctor
    assert re.search(r"09:00</a> \w+ Nextgrey", arrivals)
    assert f"/admin/appointments/appointment/{next_grey.pk}/change/" in arrivals
    for name in ("Liveholdson", "Expiredholdson", "Cancelson", "Tomorrowson"):
        assert name not in html
    assert "<strong>7</strong> visits today" in html  # not the holds nor the cancelled one


def _dashboard_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_the_dashboard_takes_the_same_few_queries_however_many_doctors_and_visits(client, admin_user, settings):
    settings.CLINIC_TIME_ZONE = "Europe/Berlin"
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        first = DoctorFactory()
        visit(first, 9)
        visit(first, 8, status=AppointmentStatus.CHECKED_IN)
    with time_machine.travel(NOW, tick=False):
        few = _dashboard_queries(client, admin_user)
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        for _ in range(4):
            doctor = DoctorFactory()
            for hour in (9, 10, 11):
                visit(doctor, hour)
            visit(doctor, 8, status=AppointmentStatus.CHECKED_IN)
    with time_machine.travel(NOW, tick=False):
        many = _dashboard_queries(client, admin_user)
    assert many == few <= 10
