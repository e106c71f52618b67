"""Swagger UI and ReDoc in a real browser (headless Chromium driven by Playwright).

What a developer does on ``/docs/``: Authorize with the OAuth2 password flow (email and password), then
"Try it out" and "Execute" on listing doctors, finding free slots and booking one. The test reads the
answers Swagger UI shows, checks that the booking is in the database, and checks that the browser never
asked any host but our own server for anything (the docs must work on a hospital network with no
internet). It also takes a screenshot of the booking: into the test's temporary folder, or, to refresh the
one the docs show, to ``SWAGGER_SCREENSHOT=docs/swagger-ui-booking.png`` (so a test run never changes a
tracked file).

It needs Debian's ``chromium`` package and the ``playwright`` Python package (never
``playwright install``: the browser comes from Debian). Without them the test is skipped, unless
``REQUIRE_BROWSER=1`` (set by CI), which makes it fail instead.

Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls while a loop
is running there. So every database read or write happens before the browser starts or after it closed.
"""

import importlib.util
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD
from appointments.models import Appointment, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from doctors.models import SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory

if TYPE_CHECKING:  # playwright may be missing: the test then skips (or fails with REQUIRE_BROWSER=1)
    from playwright.sync_api import Locator, Page

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 30_000
STEP_TIMEOUT_MS = 15_000  # any single wait (a page load, a click, an answer) in a test that takes seconds
SCREENSHOT_VARIABLE = "SWAGGER_SCREENSHOT"
PASSWORD_FLOW = "oauth2 (OAuth2, password)"  # the heading of our OAuth2 scheme in the Authorize dialog

pytestmark = [pytest.mark.django_db(transaction=True)]


def _missing_browser() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install it into .venv; never `playwright install`)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)"
    return None


def require_browser() -> None:
    """Skip when the browser cannot run, or fail (not error) when REQUIRE_BROWSER=1 says it must."""
    reason = _missing_browser()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser test cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser test skipped: {reason} (REQUIRE_BROWSER=1 turns this skip into a failure)")


@dataclass
class Traffic:
    """Every URL the browser requested, the ones its Content-Security-Policy stopped, and script errors."""

    urls: list[str] = field(default_factory=list)
    blocked_by_csp: set[str] = field(default_factory=set)
    page_errors: list[str] = field(default_factory=list)

    def record_failure(self, request) -> None:
        if "csp" in (request.failure or "").lower():  # Chromium reports "csp" (net::ERR_BLOCKED_BY_CSP)
            self.blocked_by_csp.add(request.url)

    def left_the_machine_for_another_host(self, origin: str) -> list[str]:
        """Requests to anything but ``origin`` (scheme, host and port) that the browser actually sent.

        data: and blob: URLs are made in memory by the page, and a request that the page's
        Content-Security-Policy blocked was stopped inside the browser before any DNS lookup or
        connection: neither reaches a host.
        """
        own = urlsplit(origin)
        return [
            url
            for url in self.urls
            if (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
            and urlsplit(url).scheme not in ("data", "blob")
            and url not in self.blocked_by_csp
        ]


@contextmanager
def chromium_page(base_url: str) -> Iterator[tuple["Page", Traffic]]:
    """A page in a fresh headless Chromium (new temporary profile) with every request recorded."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    traffic = Traffic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 1000})
            context.set_default_timeout(STEP_TIMEOUT_MS)
            context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
            context.on("request", lambda request: traffic.urls.append(request.url))
            context.on("requestfailed", traffic.record_failure)
            page = context.new_page()
            page.on("pageerror", lambda error: traffic.page_errors.append(str(error)))
            yield page, traffic
        finally:
            browser.close()


def operation(page: "Page", method: str, path: str) -> "Locator":
    """The block of one operation in Swagger UI, found by its method and path as a person reads them."""
    return (
        page.locator(".opblock")
        .filter(has=page.locator(f'.opblock-summary-path[data-path="{path}"]'))
        .filter(has=page.locator(".opblock-summary-method", has_text=method))
    )


@dataclass(frozen=True)
class Answer:
    """What Swagger UI shows after "Execute": the request URL, the status code and the response body."""

    url: str
    status: int
    body: str

    def json(self):
        return json.loads(self.body)


def try_it_out(page: "Page", method: str, path: str, *, params: dict[str, str] | None = None, body: str = "") -> Answer:
    """Open an operation, press "Try it out", fill in parameters and body, press "Execute", read the answer."""
    from playwright.sync_api import expect

    block = operation(page, method, path)
    expect(block).to_have_count(1)
    block.locator(".opblock-summary").first.click()
    block.get_by_role("button", name="Try it out").click()
    for name, value in (params or {}).items():
        cell = block.locator(f'tr[data-param-name="{name}"]')
        if cell.locator("select").count():  # enums are drop-downs
            cell.locator("select").select_option(value)
        else:
            cell.locator("input").fill(value)
    if body:
        block.locator("textarea.body-param__text").fill(body)
    block.get_by_role("button", name="Execute").click()
    answer = block.locator(".live-responses-table tr.response")
    expect(answer.locator(".response-col_status")).to_have_text(re.compile(r"^\s*\d{3}\s*$"))
    return Answer(
        url=block.locator(".request-url pre").inner_text().strip(),
        status=int(answer.locator(".response-col_status").inner_text()),
        body=answer.locator(".highlight-code pre").first.inner_text(),
    )


def button(container: "Locator", text: str) -> "Locator":
    """A button by the text a person reads on it (Swagger UI's aria-labels differ from that text)."""
    return container.locator("button", has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


def sign_in_with_password_flow(page: "Page", *, email: str, password: str) -> None:
    """Authorize → the OAuth2 password form → Authorize → Close, as a person does it."""
    from playwright.sync_api import expect

    page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
    dialog = page.locator(".dialog-ux")
    expect(dialog).to_be_visible()
    scheme = dialog.locator(".auth-container").filter(has_text=PASSWORD_FLOW)
    expect(scheme).to_have_count(1)
    scheme.get_by_label("username:").fill(email)
    scheme.get_by_label("password:", exact=True).fill(password)
    button(scheme, "Authorize").click()
    try:
        expect(button(scheme, "Logout")).to_be_visible()
    except AssertionError:
        pytest.fail(f"Swagger UI's OAuth2 password sign-in failed; the dialog shows:\n{scheme.inner_text()}")
    button(scheme, "Close").click()
    expect(dialog).to_be_hidden()


def save_screenshot(page: "Page", block: "Locator", path: Path) -> None:
    """The booking operation, from its title (with its closed lock: signed in) to the answer's body."""
    page.evaluate("window.scrollTo(0, 0)")  # bounding boxes are then page coordinates
    top = block.bounding_box()
    answer = block.locator(".live-responses-table tr.response .highlight-code").bounding_box()
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={
            "x": 0,
            "y": top["y"] - 12,
            "width": page.viewport_size["width"],
            "height": answer["y"] + answer["height"] - top["y"] + 24,
        },
    )


def assert_stayed_on(origin: str, traffic: Traffic) -> None:
    leaked = traffic.left_the_machine_for_another_host(origin)
    assert not leaked, f"the page asked hosts other than {origin} (it must work with no internet): {leaked}"
    assert not traffic.page_errors, f"uncaught script errors: {traffic.page_errors}"


def test_swagger_ui_signs_in_with_the_password_flow_and_books_a_free_slot(live_server, settings, tmp_path):
    require_browser()
    # The DB cache that counts logins per address outlives the flushes between transactional tests, so
    # earlier tests' logins from 127.0.0.1 could throttle this one; this test is about Swagger UI.
    settings.RATE_LIMITS = False
    patient = PatientFactory()
    doctor = DoctorFactory(user__first_name="Gregory", user__last_name="Housemann")
    free_slots = SlotFactory.create_batch(2, doctor=doctor)
    AppointmentFactory(slot__doctor=doctor)  # a slot of the same doctor booked by someone else
    email, password = patient.user.email, DEFAULT_PASSWORD

    with chromium_page(live_server.url) as (page, traffic):
        from playwright.sync_api import expect

        page.goto("/docs/")
        expect(page.get_by_role("heading", name="Clinic Scheduler API")).to_be_visible()
        sign_in_with_password_flow(page, email=email, password=password)

        doctors = try_it_out(page, "GET", "/api/doctors/")
        assert doctors.status == 200, doctors.body
        [shown] = doctors.json()["results"]
        assert (shown["id"], shown["first_name"], shown["last_name"]) == (doctor.pk, "Gregory", "Housemann")

        free = try_it_out(page, "GET", "/api/slots/", params={"status": "free", "doctor": str(doctor.pk)})
        assert free.status == 200, free.body
        assert "status=free" in free.url
        slots = free.json()["results"]
        assert [s["id"] for s in slots] == [s.pk for s in free_slots]  # not the taken one
        assert {s["status"] for s in slots} == {"free"}
        slot_id = slots[0]["id"]  # the earliest free hour, read off the screen

        booking = try_it_out(page, "POST", "/api/appointments/", body=json.dumps({"slot": slot_id}))
        assert booking.status == 201, booking.body
        booked = booking.json()
        assert (booked["slot"], booked["doctor"], booked["patient"]) == (slot_id, doctor.pk, patient.pk)
        assert booked["status"] == "scheduled"

        screenshot = Path(os.environ.get(SCREENSHOT_VARIABLE) or tmp_path / "swagger-ui-booking.png")
        save_screenshot(page, operation(page, "POST", "/api/appointments/"), screenshot)
        page.wait_for_load_state("networkidle")  # let late requests happen before we judge them

    appointment = Appointment.objects.select_related("slot").get(pk=booked["id"])
    assert (appointment.patient_id, appointment.slot_id, appointment.status) == (
        patient.pk,
        slot_id,
        AppointmentStatus.SCHEDULED,
    )
    assert appointment.slot.status == SlotStatus.BOOKED
    assert screenshot.stat().st_size > 0
    assert_stayed_on(live_server.url, traffic)
    assert any(url.endswith("/api/auth/oauth2/token/") for url in traffic.urls)


def test_redoc_renders_from_our_own_server(live_server):
    require_browser()
    # ReDoc 2.x always renders its sidebar's "API docs by Redocly" logo from https://cdn.redoc.ly/, with no
    # option to turn it off. The page must forbid that with a Content-Security-Policy that allows only
    # our own host, so that the browser stops the request before it leaves the machine.
    with chromium_page(live_server.url) as (page, traffic):
        from playwright.sync_api import expect

        page.goto("/redoc/")
        expect(page.get_by_role("heading", name="Clinic Scheduler API", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Book a slot")).to_be_visible()
        page.wait_for_load_state("networkidle")  # let late requests (images, fonts) happen before we judge

    assert_stayed_on(live_server.url, traffic)
