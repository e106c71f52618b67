"""A ``SECRET_KEY`` rotation (the old key kept in ``SECRET_KEY_FALLBACKS``) costs no owner their device
exemption and no client its idempotent retry."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from doctors.tests.factories import SlotFactory
from scheduler.models import IdempotencyKey

pytestmark = pytest.mark.django_db

OLD, NEW = "old-secret-key-" * 5, "new-secret-key-" * 5


@pytest.fixture
def rotate(settings):
    settings.SECRET_KEY = OLD

    def rotate() -> None:
        settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]

    return rotate


def sign_in(client, email: str, password: str, addr: str) -> int:
    body = {"email": email, "password": password}
    return client.post("/api/auth/token/", body, format="json", REMOTE_ADDR=addr).status_code


def test_a_device_cookie_from_before_the_rotation_still_exempts_its_owner(rotate, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 10
    owner = UserFactory()
    device = APIClient()
    assert sign_in(device, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == 200
    rotate()
    for n in range(10):  # the account-wide limit is reached from addresses the owner never uses
        sign_in(APIClient(), owner.email, "wrong", f"198.51.100.{n // 4}")
    assert sign_in(APIClient(), owner.email, DEFAULT_PASSWORD, "198.51.100.99") == 429
    assert sign_in(device, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == 200


def test_a_retry_across_the_rotation_replays_instead_of_422(rotate, patient_client):
    slot = SlotFactory()
    body = {"slot": slot.pk, "reason": "Migraine"}
    first = patient_client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    rotate()
    again = patient_client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    other = {"slot": slot.pk, "reason": "Something else"}
    assert (
        patient_client.post("/api/appointments/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 422
    )
    assert IdempotencyKey.objects.count() == 1
