"""A `pg_dump --data-only` taken after a realistic session holds no credential and no clinical text."""

import os
import subprocess
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.sessions import stored_key
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from appointments.tests.factories import past_appointment
from doctors.tests.factories import DoctorFactory, SlotFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECRETS = {
    "reason": "Lump in the left breast since March",
    "replayed reason": "Panic attacks at night",
    "cancellation reason": "Admitted to the psychiatric ward",
    "diagnosis": "Suspected ductal carcinoma",
    "prescription": "Mammography and biopsy",
    "notes": "Patient anxious; family history of BRCA1",
    "amended diagnosis": "Fibroadenoma, benign",
    "insurance number": "AOK-9876543210",
    "insurance name": "Allgemeine Ortskrankenkasse Bayern",
}


def pg_dump() -> str:
    """The test database's data, as an operator's backup job would take it."""
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "--no-owner", "--dbname", db["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=120).stdout


def table(dump: str, name: str) -> str:
    """The rows of one table in a plain-format dump."""
    start = dump.index(f"COPY public.{name} ")
    start = dump.index("\n", start) + 1
    return dump[start : dump.index("\n\\.\n", start)]


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_dump_holds_no_credential_and_no_clinical_text():
    anonymous = APIClient()
    credentials: dict[str, str] = {}

    # A patient registers with insurance details and signs in (JSON and OAuth2), then refreshes.
    registration = {
        **{"email": "mira@example.org", "password": DEFAULT_PASSWORD, "first_name": "Mira", "last_name": "Schulz"},
        **{"phone": "+14155550123", "date_of_birth": "1979-04-02", "insurance_name": SECRETS["insurance name"]},
        "insurance_number": SECRETS["insurance number"],
    }
    assert anonymous.post("/api/auth/register/", registration, format="json").status_code == 201
    pair = anonymous.post(
        "/api/auth/token/", {"email": "mira@example.org", "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    credentials["first refresh"] = pair["refresh"]
    rotated = anonymous.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    credentials["rotated refresh"] = rotated["refresh"]
    oauth = anonymous.post(
        "/api/auth/oauth2/token/",
        urlencode({"grant_type": "password", "username": "mira@example.org", "password": DEFAULT_PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    ).json()
    credentials["oauth2 refresh"] = oauth["refresh_token"]
    patient = bearer(rotated["access"])

    # Bookings with an Idempotency-Key and a reason, one of them retried.
    doctor = DoctorFactory()
    first, second = SlotFactory(doctor=doctor), SlotFactory(doctor=doctor)
    booked = patient.post(
        "/api/appointments/",
        {"slot": first.pk, "reason": SECRETS["reason"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="booking-1",
    )
    assert booked.status_code == 201
    body = {"slot": second.pk, "reason": SECRETS["replayed reason"]}
    for _ in range(2):
        retried = patient.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="booking-2")
        assert retried.status_code == 201
    cancel = {"reason": SECRETS["cancellation reason"]}
    cancelled = patient.post(f"/api/appointments/{retried.json()['id']}/cancel/", cancel, format="json")
    assert cancelled.status_code == 200

    # The doctor signs in and writes, then amends, the record of an earlier visit of this patient.
    doctor_tokens = anonymous.post(
        "/api/auth/token/", {"email": doctor.user.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    credentials["doctor refresh"] = doctor_tokens["refresh"]
    visit = past_appointment(patient=booked_patient(booked), slot__doctor=doctor)
    clinician = bearer(doctor_tokens["access"])
    record = {"appointment": visit.pk, **{k: SECRETS[k] for k in ("diagnosis", "prescription", "notes")}}
    written = clinician.post("/api/records/", record, format="json")
    assert written.status_code == 201, written.json()
    update = {"diagnosis": SECRETS["amended diagnosis"]}
    amended = clinician.patch(f"/api/records/{written.json()['id']}/", update, format="json")
    assert amended.status_code == 200, amended.json()

    # An admin signs in through the admin's login form and looks around.
    staff = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    browser = Client()
    signed_in = browser.post("/admin/login/?next=/admin/", {"username": staff.email, "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    assert browser.get("/admin/appointments/appointment/").status_code == 200
    credentials["admin session key"] = browser.cookies["sessionid"].value

    dump = pg_dump()
    # The dump does hold the rows: the token ids, the session's hash and the unencrypted identity.
    assert "mira@example.org" in dump and "Schulz" in dump
    assert stored_key(credentials["admin session key"]) in table(dump, "django_session")
    assert len(table(dump, "token_blacklist_outstandingtoken").splitlines()) == 4  # three sign-ins and a rotation
    leaked = {name for name, value in credentials.items() if value in dump}
    leaked |= {name for name, value in credentials.items() if value.split(".")[-1] in dump}  # a JWT's signature
    leaked |= {name for name, value in SECRETS.items() if value in dump}
    assert not leaked


def booked_patient(response):
    from patients.models import Patient

    return Patient.objects.get(pk=response.json()["patient"])
