"""Malformed input of every kind is a 4xx naming the problem, never a 5xx."""

import pytest
from django.test import override_settings

from doctors.tests.factories import DoctorFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/register/", "/api/appointments/"])
def test_json_nested_too_deep_is_400(api_client, patient, path, client_for):
    client = client_for(patient.user) if path == "/api/appointments/" else api_client
    response = client.post(path, "[" * 50_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(
    "start",
    ["2030-02-30T09:00:00+00:00", "2030-01-01T25:00:00+00:00", "2030-01-01T09:00:00+99:00", "9999-12-31T22:00:00Z"],
)
def test_impossible_or_far_datetimes_are_400(admin_client, start):
    doctor = DoctorFactory()
    response = admin_client.post(
        f"/api/doctors/{doctor.pk}/availability/", {"start": start, "end": "9999-12-31T23:00:00Z"}, format="json"
    )
    assert response.status_code == 400


def test_a_repetition_near_the_end_of_time_is_400(admin_client):
    doctor = DoctorFactory()
    body = {
        "start": "9999-12-28T10:00:00Z",
        "end": "9999-12-28T12:00:00Z",
        "repeat_weekly_until": "9999-12-31",
        "time_zone": "Asia/Tokyo",
    }
    assert admin_client.post(f"/api/doctors/{doctor.pk}/availability/", body, format="json").status_code == 400


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversized_body_is_413_json(api_client):
    response = api_client.post("/api/auth/token/", {"email": "a" * 2000, "password": "x"}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_healthz_answers_head(api_client):
    assert api_client.head("/healthz/").status_code == 200


def test_oauth2_errors_are_readable(api_client):
    response = api_client.post(
        "/api/auth/oauth2/token/", "grant_type=password&username=a", content_type="application/x-www-form-urlencoded"
    )
    assert response.json()["error"] == "invalid_request"
    assert "ErrorDetail" not in response.json()["error_description"]


def test_401_says_how_to_authenticate(api_client):
    response = api_client.post("/api/auth/token/refresh/", {"refresh": "x"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("value", ["1.7", "1e3", "-1", "0x10"])
def test_id_filters_refuse_non_integers(patient_client, value):
    response = patient_client.get("/api/slots/", {"doctor": value})
    assert response.status_code == 400
