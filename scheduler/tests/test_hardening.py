"""Input limits, headers, logs without secrets, and nothing half-written when a request fails."""

import datetime
import logging

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from appointments import services as appointment_services
from appointments.models import Appointment, AppointmentEvent
from doctors.models import Slot
from doctors.tests.factories import SlotFactory
from patients import services as patient_services
from patients.models import Patient

pytestmark = pytest.mark.django_db


class TestInputLimits:
    @pytest.mark.parametrize("path", ["/api/slots/", "/api/appointments/"])
    def test_a_window_longer_than_a_year_or_backwards_is_400(self, patient_client, path):
        too_long = {"start_after": "2030-01-01T00:00:00Z", "start_before": "2031-06-01T00:00:00Z"}
        backwards = {"start_after": "2030-02-01T00:00:00Z", "start_before": "2030-01-01T00:00:00Z"}
        for params in (too_long, backwards):
            response = patient_client.get(path, params)
            assert response.status_code == 400
            assert "start_before" in response.json()

    def test_a_slot_search_with_only_start_before_is_bounded_too(self, patient_client):
        # Without start_after the search starts now, so start_before alone may be at most a year ahead.
        def ahead(days: float) -> str:
            return (timezone.now() + datetime.timedelta(days=days)).isoformat()

        response = patient_client.get("/api/slots/", {"start_before": ahead(400)})
        assert response.status_code == 400
        assert "366 days" in response.json()["start_before"][0]
        assert patient_client.get("/api/slots/", {"start_before": ahead(300)}).status_code == 200
        # A client whose clock runs ahead may still ask for "a year from now": a day of grace.
        assert patient_client.get("/api/slots/", {"start_before": ahead(366.5)}).status_code == 200
        assert patient_client.get("/api/slots/", {"start_before": ahead(367.5)}).status_code == 400
        past = patient_client.get("/api/slots/", {"start_before": ahead(-3)})
        assert past.status_code == 200 and past.json()["count"] == 0

    def test_page_size_is_capped(self, patient_client):
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
        for h in range(3):
            SlotFactory(start=start + datetime.timedelta(hours=h), end=start + datetime.timedelta(hours=h + 1))
        response = patient_client.get("/api/slots/", {"page_size": 100000})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 3  # served, but never more than 100 per page
        from scheduler.pagination import Pagination

        assert Pagination.max_page_size == 100


class TestHeaders:
    def test_hsts_and_secure_cookies_when_https_is_on(self):
        with override_settings(
            SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=False, SECURE_HSTS_INCLUDE_SUBDOMAINS=True
        ):
            response = APIClient().get("/healthz/", secure=True)
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_cors_allows_only_configured_origins(self):
        with override_settings(CORS_ALLOWED_ORIGINS=["https://app.clinic.example"]):
            allowed = APIClient().options(
                "/api/auth/token/", HTTP_ORIGIN="https://app.clinic.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
            )
            denied = APIClient().options(
                "/api/auth/token/", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
            )
        assert allowed["Access-Control-Allow-Origin"] == "https://app.clinic.example"
        assert "Access-Control-Allow-Origin" not in denied

    def test_a_server_error_answers_json_without_a_trace(self, patient, monkeypatch):
        def explode(*args, **kwargs):
            raise RuntimeError("SELECT secret FROM somewhere")

        monkeypatch.setattr("patients.selectors.get_own_patient", explode)
        client = APIClient(raise_request_exception=False)
        from accounts.services import issue_tokens

        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user=patient.user).access}")
        response = client.get("/api/patients/me/")
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
        assert b"SELECT" not in response.content and b"Traceback" not in response.content


def test_logs_never_contain_passwords_tokens_or_patient_data(api_client, caplog, settings):
    settings.RATE_LIMITS = False
    secrets = {
        "password": "a-secret-passphrase-77",
        "email": "private.person@example.org",
        "phone": "+14155550177",
        "insurance": "INS-SECRET-1",
        "diagnosis": "Secret diagnosis",
    }
    caplog.set_level(logging.DEBUG)
    body = {
        "email": secrets["email"],
        "password": secrets["password"],
        "first_name": "Pri",
        "last_name": "Vate",
        "phone": secrets["phone"],
        "date_of_birth": "1990-01-01",
        "insurance_number": secrets["insurance"],
    }
    assert api_client.post("/api/auth/register/", body, format="json").status_code == 201
    api_client.post("/api/auth/token/", {"email": secrets["email"], "password": "wrong-guess"}, format="json")
    tokens = api_client.post(
        "/api/auth/token/", {"email": secrets["email"], "password": secrets["password"]}, format="json"
    ).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    slot = SlotFactory()
    assert (
        api_client.post(
            "/api/appointments/", {"slot": slot.pk, "reason": secrets["diagnosis"]}, format="json"
        ).status_code
        == 201
    )
    api_client.post("/api/appointments/", {"slot": slot.pk}, format="json")  # a 409, logged as a warning
    api_client.get("/api/patients/me/")
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert caplog.records, "the flow should have logged something"
    for name, value in {**secrets, "access": tokens["access"], "refresh": tokens["refresh"]}.items():
        assert value not in logged, f"{name} leaked into the logs"


class TestNothingHalfWritten:
    def test_a_failure_after_the_first_write_of_a_booking_leaves_nothing(self, patient, monkeypatch):
        slot = SlotFactory()

        def fail(*args, **kwargs):
            raise RuntimeError("injected failure after the slot and appointment rows were written")

        monkeypatch.setattr(AppointmentEvent.objects, "create", fail)
        with pytest.raises(RuntimeError):
            appointment_services.book_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
        assert Slot.objects.get(pk=slot.pk).status == "free"
        assert not Appointment.objects.exists()

    def test_a_failure_after_the_user_row_of_a_registration_leaves_nothing(self, monkeypatch):
        def fail(*args, **kwargs):
            raise RuntimeError("injected failure after the user row was written")

        monkeypatch.setattr(Patient, "save", fail)
        with pytest.raises(RuntimeError):
            patient_services.register_patient(
                email="half@example.org",
                password="a-long-passphrase-5",
                first_name="H",
                last_name="W",
                phone="+14155550100",
                date_of_birth=datetime.date(1990, 1, 1),
            )
        assert not User.objects.filter(email="half@example.org").exists()
