"""The front desk in a real browser (headless Chromium, as in test_browser.py): a receptionist signs in to
the admin, sees the patient among the next arrivals, checks them in and completes the visit with the list's
actions, and the dashboard follows. Skipped without the browser, unless ``REQUIRE_BROWSER=1``.

All database work happens before the browser starts or after it closed (Playwright runs an event loop in
the test's thread, where Django refuses ORM calls).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from appointments.models import Appointment, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from scheduler.tests.test_browser import assert_stayed_on, chromium_page, require_browser

pytestmark = [pytest.mark.django_db(transaction=True)]


def _started_today() -> datetime.datetime:
    """A visit that began a few minutes ago and on the clinic's today: check-in and completion are both open."""
    tz = ZoneInfo(django_settings.CLINIC_TIME_ZONE)
    now = timezone.now()
    midnight = datetime.datetime.combine(now.astimezone(tz).date(), datetime.time.min, tzinfo=tz)
    return max(now - datetime.timedelta(minutes=10), midnight)


def _apply_action(page, appointment_id: int, action: str) -> str:
    """Tick the appointment in the list, choose the action, press Go; the success message it shows."""
    from playwright.sync_api import expect

    page.goto("/admin/appointments/appointment/")
    page.locator(f'input[name="_selected_action"][value="{appointment_id}"]').check()
    page.locator('select[name="action"]').select_option(action)
    page.locator('button[name="index"]').click()
    message = page.locator(".messagelist .success")
    expect(message).to_be_visible()
    return message.inner_text()


def test_a_receptionist_checks_a_patient_in_and_completes_the_visit_in_the_admin(live_server, settings, receptionist):
    require_browser()
    settings.RATE_LIMITS = False  # earlier tests' sign-ins from 127.0.0.1 must not throttle this one
    start = _started_today()
    appointment = AppointmentFactory(
        slot__start=start, slot__end=start + datetime.timedelta(hours=1), patient__user__last_name="Walkinsky"
    )
    email = receptionist.email

    with chromium_page(live_server.url) as (page, traffic):
        from playwright.sync_api import expect

        page.goto("/admin/login/?next=/admin/")
        page.locator("#id_username").fill(email)
        page.locator("#id_password").fill(DEFAULT_PASSWORD)
        page.locator('input[type="submit"]').click()
        expect(page.locator("#clinic-dashboard")).to_contain_text(django_settings.CLINIC_TIME_ZONE)
        expect(page.locator("#next-arrivals")).to_contain_text("Walkinsky")
        expect(page.locator("#checked-in")).not_to_contain_text("Walkinsky")

        assert _apply_action(page, appointment.pk, "check_in_selected") == "1 appointment(s) checked in."
        page.goto("/admin/")
        expect(page.locator("#checked-in")).to_contain_text("Walkinsky")
        expect(page.locator("#next-arrivals")).not_to_contain_text("Walkinsky")

        assert _apply_action(page, appointment.pk, "complete_selected") == "1 appointment(s) completed."
        page.goto(f"/admin/appointments/appointment/{appointment.pk}/change/")
        expect(page.locator(".field-status")).to_contain_text("Completed")
        page.wait_for_load_state("networkidle")

    appointment = Appointment.objects.get(pk=appointment.pk)
    assert appointment.status == AppointmentStatus.COMPLETED
    assert list(appointment.events.values_list("action", "actor")) == [
        ("checked_in", receptionist.pk),
        ("completed", receptionist.pk),
    ]
    assert_stayed_on(live_server.url, traffic)
