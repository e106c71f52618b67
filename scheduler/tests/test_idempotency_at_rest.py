"""Stored Idempotency-Key answers: encrypted, keyed fingerprints, purged by the worker."""

import datetime
import hashlib
import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from doctors.tests.factories import SlotFactory
from scheduler import idempotency, periodic
from scheduler.models import IdempotencyKey

pytestmark = pytest.mark.django_db

LIST = "/api/appointments/"
REASON = "Recurring chest pain after the chemotherapy"


def raw_answers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM scheduler_idempotencykey")
        return [row[0] for row in cursor.fetchall()]


def book(client, slot, key: str, reason: str = REASON):
    return client.post(LIST, {"slot": slot.pk, "reason": reason}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def age(key: str, hours: float) -> None:
    IdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - datetime.timedelta(hours=hours))


def test_the_stored_answer_is_encrypted_and_replays_the_same(patient_client):
    slot = SlotFactory()
    first = book(patient_client, slot, "k-1")
    assert first.status_code == 201 and first.json()["reason"] == REASON
    [raw] = raw_answers()
    assert REASON not in raw and "reason" not in raw
    again = book(patient_client, slot, "k-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_the_fingerprint_is_a_keyed_hash(settings):
    request = {"method": "POST", "path": LIST, "body": {"slot": 1, "reason": "Migraine"}}
    canonical = 'POST /api/appointments/ {"reason":"Migraine","slot":1}'
    one = idempotency.fingerprint(**request)
    assert one != hashlib.sha256(canonical.encode()).hexdigest()  # a guess without the secret does not match
    settings.SECRET_KEY = "another-secret-" * 4
    assert idempotency.fingerprint(**request) != one


def test_an_expired_key_is_used_afresh(patient_client):
    assert book(patient_client, SlotFactory(), "k-2").status_code == 201
    age("k-2", hours=25)
    second = book(patient_client, SlotFactory(), "k-2", reason="Something else")  # a different body
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert IdempotencyKey.objects.get(key="k-2").created_at > timezone.now() - datetime.timedelta(minutes=1)


def test_the_workers_periodic_job_purges_expired_keys(patient_client):
    someone = UserFactory()
    for key, hours in (("old", 30), ("recent", 2)):
        IdempotencyKey.objects.create(user=someone, key=key, fingerprint="f", response_status=201, response_body="{}")
        age(key, hours)
    assert book(patient_client, SlotFactory(), "k-3").status_code == 201
    assert periodic.JOBS["purge_idempotency_keys"]() == 1
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-3", "recent"]


def test_the_migration_encrypts_answers_stored_in_clear():
    migration = importlib.import_module("scheduler.migrations.0003_encrypt_idempotency_answers")
    user = UserFactory()
    answer = {"id": 7, "reason": REASON}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO scheduler_idempotencykey (user_id, key, fingerprint, response_status, response_body,"
            " created_at) VALUES (%s, 'k', 'f', 201, %s, %s)",
            [user.pk, json.dumps(answer), timezone.now()],
        )
    # SQLite's schema editor cannot open inside the test's transaction; the data step needs only its
    # connection.
    editor = SimpleNamespace(connection=connection)
    migration.encrypt_answers(django_apps, editor)
    assert REASON not in raw_answers()[0]
    assert json.loads(IdempotencyKey.objects.get().response_body) == answer
