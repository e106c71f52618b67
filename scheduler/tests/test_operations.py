"""Operations (issue 21): /metrics, /readyz/, the request id, the PgBouncer settings."""

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from appointments.models import Appointment
from appointments.services import expire_holds
from doctors.tests.factories import SlotFactory
from scheduler import health
from scheduler.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


def scrape() -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}, as Prometheus would read them."""
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def moved(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_booking_and_a_conflict_move_the_metrics(
    patient_client, other_patient_client, django_capture_on_commit_callbacks
):
    slot = SlotFactory()
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        assert patient_client.post("/api/appointments/", {"slot": slot.pk}, format="json").status_code == 201
    taken = other_patient_client.post("/api/appointments/", {"slot": slot.pk}, format="json")
    assert taken.status_code == 409 and taken.json()["code"] == "slot_unavailable"
    after = scrape()

    assert moved(before, after, "scheduler_appointment_events_total", action="booked") == 1
    assert moved(before, after, "scheduler_conflicts_total", code="slot_unavailable") == 1
    assert moved(before, after, "scheduler_conflicts_total", code="patient_conflict") == 0
    view = {"view": "appointment-list", "method": "POST"}
    assert moved(before, after, "scheduler_http_requests_total", **view, status="201") == 1
    assert moved(before, after, "scheduler_http_requests_total", **view, status="409") == 1
    assert moved(before, after, "scheduler_http_request_duration_seconds_count", **view) == 2
    # The booking queued its confirmation and its reminder; the database says so, whichever process asks.
    assert moved(before, after, "scheduler_notifications", status="queued") == 2
    assert after[("scheduler_notifications", (("status", "sent"),))] == 0
    assert ("scheduler_holds_expired_total", ()) in after


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_queue_lag_is_the_age_of_the_oldest_due_task(patient_client, time_machine):
    assert scrape()[("scheduler_queue_lag_seconds", ())] == 0
    time_machine.move_to(timezone.now(), tick=False)
    slot = SlotFactory()
    assert patient_client.post("/api/appointments/", {"slot": slot.pk}, format="json").status_code == 201
    time_machine.shift(90)
    # The confirmation's task is due and no worker took it (the reminder's is not due yet).
    assert scrape()[("scheduler_queue_lag_seconds", ())] == pytest.approx(90, abs=1)


@override_settings(METRICS_TOKEN=TOKEN)
def test_an_expired_hold_counts(patient_client, django_capture_on_commit_callbacks):
    slot = SlotFactory()
    held = patient_client.post("/api/appointments/hold/", {"slot": slot.pk}, format="json").json()
    Appointment.objects.filter(pk=held["id"]).update(hold_expires_at=timezone.now() - timezone.timedelta(seconds=1))
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_holds() == 1
    assert moved(before, scrape(), "scheduler_holds_expired_total") == 1


def test_metrics_are_off_until_a_token_or_an_address_is_configured(client):
    assert client.get("/metrics").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_metrics_refuse_a_caller_without_the_token_or_an_allowed_address(client):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_a_bad_metrics_allow_list_stops_the_server():
    env = {**os.environ, "METRICS_ALLOWED_IPS": "10.0.0.0/8,clinic-prometheus"}
    code = "import django; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "METRICS_ALLOWED_IPS: 'clinic-prometheus'" in result.stderr


# ------------------------------------------------------------------------------------------------
# /readyz/
# ------------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


@override_settings(READY_REQUIRES_WORKER=True)
def test_ready_only_with_a_recent_worker_heartbeat(client):
    missing = client.get("/readyz/")
    assert missing.status_code == 503
    assert missing.json() == {
        "status": "unavailable",
        "checks": {
            "database": {"status": "ok"},
            "migrations": {"status": "ok", "pending": 0},
            "worker": {"status": "missing", "required": True, "age_seconds": None},
        },
    }
    health.record_worker_heartbeat()
    ready = client.get("/readyz/")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["status"] == "ok" and ready.json()["checks"]["worker"]["status"] == "ok"

    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timezone.timedelta(seconds=61))
    stale = client.get("/readyz/")
    assert stale.status_code == 503 and stale.json()["checks"]["worker"]["status"] == "stale"
    assert stale.json()["checks"]["worker"]["age_seconds"] >= 61


@override_settings(READY_REQUIRES_WORKER=False)
def test_without_the_worker_requirement_a_missing_worker_is_reported_not_fatal(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == {"status": "missing", "required": False, "age_seconds": None}


@override_settings(READY_REQUIRES_WORKER=False)
def test_not_ready_while_a_migration_is_unapplied(client):
    latest = MigrationRecorder.Migration.objects.filter(app="scheduler").order_by("-name").first()
    latest.delete()  # as if this code's newest migration had not run yet (rolled back with the test)
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"status": "pending", "pending": 1}


def test_heartbeats_of_workers_gone_for_a_day_are_forgotten():
    WorkerHeartbeat.objects.create(worker="old-host:1", seen_at=timezone.now() - timezone.timedelta(days=2))
    health.record_worker_heartbeat(worker="new-host:2")
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["new-host:2"]


def test_healthz_stays_the_liveness_check(client):
    assert client.get("/healthz/").json() == {"status": "ok"}


# ------------------------------------------------------------------------------------------------
# Request id
# ------------------------------------------------------------------------------------------------
def test_a_sane_request_id_is_kept_and_returned(client):
    response = client.get("/healthz/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize("given", [None, "", "short", "a" * 101, 'x"}\n{"forged": 1', "id with spaces in it"])
def test_an_absent_or_odd_request_id_is_replaced_by_a_new_one(client, given):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    first = client.get("/api/nothing-here/", **headers)["X-Request-ID"]
    second = client.get("/api/nothing-here/", **headers)["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


# ------------------------------------------------------------------------------------------------
# PgBouncer
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("pooler", "expected"), [("pgbouncer", "True"), ("", "False")])
def test_behind_pgbouncer_server_side_cursors_are_off(pooler, expected):
    env = {**os.environ, "DATABASE_URL": "postgres://app@db.example:6432/clinic", "DATABASE_POOLER": pooler}
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d.get('DISABLE_SERVER_SIDE_CURSORS', False), d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == [expected, "60", "True"]


def test_no_session_level_advisory_locks_in_the_application():
    """Behind PgBouncer a session lock would outlive the transaction on a connection another client gets."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found = subprocess.run(
        ["grep", "-rlE", r"pg_(try_)?advisory_lock(_shared)?\(", "--include=*.py", *APPS],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert found.stdout == "", found.stdout
    assert connection.vendor in {"postgresql", "sqlite"}


APPS = ["accounts", "patients", "doctors", "appointments", "records", "scheduler"]


def test_the_request_line_names_url_arguments_that_are_not_ids_instead_of_their_values():
    from types import SimpleNamespace

    from scheduler.request_log import loggable_path

    feed = SimpleNamespace(
        path="/calendar/Zq3-secret-token.ics", resolver_match=SimpleNamespace(kwargs={"token": "Zq3-secret-token"})
    )
    assert loggable_path(feed) == "/calendar/<token>.ics"
    record = SimpleNamespace(path="/api/records/42/", resolver_match=SimpleNamespace(kwargs={"pk": 42}))
    assert loggable_path(record) == "/api/records/42/"
