"""Every log line of a whole journey, captured at DEBUG, holds no PHI and no secret (issue 21)."""

import json
import logging
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from appointments.tests.factories import past_appointment
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.models import Patient
from scheduler.request_log import RequestIdFilter

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit log lines run as in production

LOGGERS = [
    "accounts",
    "patients",
    "doctors",
    "appointments",
    "records",
    "scheduler",
    "django.request",
    "django.server",
    "django.security",
    "axes",
]
EMAIL = "ilse.brandt@example.org"
NEW_PASSWORD = "a-different-horse-42"
SECRETS = {
    "email": EMAIL,
    "password": DEFAULT_PASSWORD,
    "new password": NEW_PASSWORD,
    "insurance number": "TK-5550001234",
    "insurance name": "Techniker Krankenkasse Nord",
    "reason": "Blood in the urine for a week",
    "bad field reason": "Recurring thoughts of self-harm",
    "diagnosis": "Suspected bladder carcinoma",
    "prescription": "Cystoscopy",
    "date of birth": "1961-11-23",
    "phone": "+14155550188",
    "search": "Brandt",
}


class Lines(logging.Handler):
    """Formats every record as production does (the JSON formatter with the request id) and keeps it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        spec = settings.LOGGING["formatters"]["json"]
        options = {k: v for k, v in spec.items() if k not in ("()", "format")}
        self.setFormatter(import_string(spec["()"])(spec["format"], **options))
        self.addFilter(RequestIdFilter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_whole_journey_logs_no_phi_and_no_secret(log_lines):
    anonymous = APIClient()
    secrets = dict(SECRETS)

    registration = {
        "email": EMAIL,
        "password": DEFAULT_PASSWORD,
        "first_name": "Ilse",
        "last_name": "Brandt",
        "phone": SECRETS["phone"],
        "date_of_birth": SECRETS["date of birth"],
        "insurance_name": SECRETS["insurance name"],
        "insurance_number": SECRETS["insurance number"],
    }
    assert anonymous.post("/api/auth/register/", registration, format="json").status_code == 201
    for wrong in ("wrong-password-1", "wrong-password-2"):
        failed = anonymous.post("/api/auth/token/", {"email": EMAIL, "password": wrong}, format="json")
        assert failed.status_code == 401
        secrets[wrong] = wrong
    pair = anonymous.post("/api/auth/token/", {"email": EMAIL, "password": DEFAULT_PASSWORD}, format="json").json()
    oauth = anonymous.post(
        "/api/auth/oauth2/token/",
        urlencode({"grant_type": "password", "username": EMAIL, "password": DEFAULT_PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    ).json()
    rotated = anonymous.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    secrets |= {"access": pair["access"], "refresh": pair["refresh"], "rotated access": rotated["access"]}
    secrets |= {"rotated refresh": rotated["refresh"], "oauth2 access": oauth["access_token"]}
    patient = bearer(rotated["access"])

    doctor = DoctorFactory()
    slot = SlotFactory(doctor=doctor)
    booked = patient.post("/api/appointments/", {"slot": slot.pk, "reason": SECRETS["reason"]}, format="json")
    assert booked.status_code == 201
    taken = patient.post("/api/appointments/", {"slot": slot.pk, "reason": SECRETS["reason"]}, format="json")
    assert taken.status_code == 409
    bad = patient.post("/api/appointments/", {"slot": "first", "reason": SECRETS["bad field reason"]}, format="json")
    assert bad.status_code == 400
    assert patient.get(f"/api/doctors/?search={SECRETS['search']}").status_code == 200
    assert patient.get(f"/api/doctors/?search={SECRETS['search']}&specialization=first").status_code == 400

    doctor_pair = anonymous.post(
        "/api/auth/token/", {"email": doctor.user.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    secrets["doctor access"] = doctor_pair["access"]
    visit = past_appointment(patient_id=booked.json()["patient"], slot__doctor=doctor)
    record = {"appointment": visit.pk, "diagnosis": SECRETS["diagnosis"], "prescription": SECRETS["prescription"]}
    written = bearer(doctor_pair["access"]).post("/api/records/", {**record, "notes": ""}, format="json")
    assert written.status_code == 201, written.json()

    change = {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    assert patient.post("/api/auth/password/", change, format="json").status_code in (200, 204)
    assert anonymous.post("/api/auth/token/refresh/", {"refresh": rotated["refresh"]}, format="json").status_code == 401

    staff = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    secrets["admin email"] = staff.email
    browser = Client()
    assert browser.post("/admin/login/", {"username": staff.email, "password": "not-the-password"}).status_code == 200
    assert (
        browser.post("/admin/login/?next=/admin/", {"username": staff.email, "password": DEFAULT_PASSWORD})["Location"]
        == "/admin/"
    )
    assert browser.get("/admin/").status_code == 200
    secrets["admin session id"] = browser.cookies["sessionid"].value

    text = "\n".join(log_lines)
    # JWTs are scanned whole and by their signature, which a truncated token would still show.
    leaked = {name for name, value in secrets.items() if value in text}
    leaked |= {name for name, value in secrets.items() if value.count(".") == 2 and value.split(".")[2] in text}
    assert not leaked, f"found in the logs: {sorted(leaked)}"

    # The scan read real lines: one JSON line per request, with its id, user, status and no query string.
    requests = [json.loads(line) for line in log_lines if '"logger": "scheduler.requests"' in line]
    statuses = {entry["status"] for entry in requests}
    assert {200, 201, 400, 401, 409} <= statuses
    assert all(len(entry["request_id"]) == 32 and "?" not in entry["path"] for entry in requests)
    booking = next(e for e in requests if e["path"] == "/api/appointments/" and e["status"] == 201)
    assert booking["user_id"] == Patient.objects.get(pk=booked.json()["patient"]).user_id
    assert all(json.loads(line)["request_id"] for line in log_lines)  # every line can be followed
    assert any('"logger": "axes' in line for line in log_lines)  # the failed sign-ins were logged, anonymously
