"""The queue end to end: real worker processes on PostgreSQL, real SMTP to a sink (see conftest.py)."""

import datetime
import re
import signal
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Role
from accounts.tests.factories import UserFactory
from appointments import services as appointment_services
from appointments.models import Appointment, AppointmentStatus
from doctors.tests.factories import SlotFactory
from notifications import services
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.tasks import send_notification
from notifications.tests.conftest import free_port, stop_workers, wait_until
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REASON = "Chest pain since Tuesday, REASON-MARKER"


def book(*, start=None, reason=REASON):
    patient = PatientFactory()
    slot = SlotFactory(**({"start": start, "end": start + datetime.timedelta(hours=1)} if start else {}))
    return appointment_services.book_appointment(patient=patient, slot_id=slot.pk, reason=reason, by=patient.user)


def assert_nothing_clinical(sink):
    """No reason, diagnosis or insurance detail in any email the sink accepted."""
    texts = sink.texts()
    assert texts
    for text in texts:
        assert "REASON-MARKER" not in text
        assert "Acme Health" not in text  # the factories' insurer
        assert not re.search(r"INS-\d+", text)  # the factories' insurance numbers


def test_a_rolled_back_booking_sends_nothing_a_committed_one_once(start_worker, smtp_sink):
    with pytest.raises(RuntimeError), transaction.atomic():
        book()
        raise RuntimeError("the request failed after booking")
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()

    appointment = book()
    start_worker()
    confirmation = Notification.objects.get(kind=NotificationKind.BOOKING_CONFIRMED)
    wait_until(lambda: Notification.objects.get(pk=confirmation.pk).status == NotificationStatus.SENT, what="sent")
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == appointment.patient.user.email
    assert "is booked" in message["Subject"]
    text = smtp_sink.texts()[0]
    assert appointment.doctor.department.name in text and appointment.doctor.user.last_name in text
    local = appointment.start.astimezone(ZoneInfo("Europe/Berlin"))  # CLINIC_TIME_ZONE's default
    assert f"{local:%H:%M}" in text and "Europe/Berlin" in text
    assert_nothing_clinical(smtp_sink)


def test_two_workers_send_each_notification_once(start_worker, smtp_sink):
    appointments = [book() for _ in range(12)]
    confirmations = list(Notification.objects.filter(kind=NotificationKind.BOOKING_CONFIRMED))
    assert len(confirmations) == len(appointments)
    # A second task for each one, as a requeue or a retry racing the first would make.
    for notification in confirmations:
        send_notification.using(run_after=timezone.now()).enqueue(notification_id=notification.pk)
    start_worker()
    start_worker()
    wait_until(
        lambda: Notification.objects.filter(kind=NotificationKind.BOOKING_CONFIRMED, status="sent").count() == 12,
        what="every confirmation sent",
    )
    wait_until(
        lambda: (
            not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
            .exclude(run_after__gt=timezone.now())
            .exists()
        ),
        what="the queue drained",
    )
    sent_ids = Counter(int(m["X-Clinic-Notification"]) for m in smtp_sink.messages)
    assert sent_ids == Counter({n.pk: 1 for n in confirmations})
    assert set(Notification.objects.filter(pk__in=sent_ids).values_list("attempts", flat=True)) == {1}
    assert_nothing_clinical(smtp_sink)


def test_mail_server_down_retries_then_failed_and_an_admin_retries(start_worker, smtp_sink):
    appointment = book()
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    # No requeue of "stalled" notifications here: with the tests' 0 s it can add a task while a retry's task
    # runs, before its lease is written (harmless, but then the tasks are not counted exactly).
    worker = start_worker(EMAIL_URL=down, NOTIFICATION_STALL_SECONDS="600")
    confirmation = Notification.objects.get(kind=NotificationKind.BOOKING_CONFIRMED)
    wait_until(lambda: Notification.objects.get(pk=confirmation.pk).status == NotificationStatus.FAILED, what="failed")
    confirmation.refresh_from_db()
    assert confirmation.attempts == 3  # NOTIFICATION_MAX_ATTEMPTS in the workers' environment
    assert confirmation.last_error == "ConnectionRefusedError"
    assert confirmation.sent_at is None
    tasks = DBTaskResult.objects.filter(args_kwargs__kwargs__notification_id=confirmation.pk)
    assert tasks.count() == 3  # the first and two retries, each scheduled with its backoff
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED  # the booking is unaffected
    stop_workers([worker])

    services.retry_notification(notification=confirmation, by=UserFactory(role=Role.ADMIN, is_staff=True))
    start_worker()
    wait_until(lambda: Notification.objects.get(pk=confirmation.pk).status == NotificationStatus.SENT, what="sent")
    assert len(smtp_sink.messages) == 1
    assert_nothing_clinical(smtp_sink)


def test_a_reminder_is_not_sent_for_a_moved_or_cancelled_appointment(start_worker, smtp_sink):
    soon = timezone.now() + datetime.timedelta(hours=24, seconds=4)  # its reminder (24 h) is due in 4 s
    kept = book(start=soon)
    moved = book(start=soon)  # each with a doctor of its own
    cancelled = book(start=soon)
    later = SlotFactory(start=soon + datetime.timedelta(days=3), end=soon + datetime.timedelta(days=3, hours=1))
    appointment_services.reschedule_appointment(appointment=moved, new_slot_id=later.pk, by=moved.patient.user)
    appointment_services.cancel_appointment(appointment=cancelled, by=cancelled.patient.user)
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 4  # the move made a new one
    start_worker()
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER)
    wait_until(lambda: reminders.filter(appointment=kept, status="sent").exists(), what="the kept reminder")
    wait_until(lambda: reminders.count() == 2, what="the stale reminders skipped")
    # Left: the kept one (sent) and the moved appointment's new one, for three days later (queued).
    assert set(reminders.values_list("appointment", "status")) == {(kept.pk, "sent"), (moved.pk, "queued")}
    reminder_mail = [m for m in smtp_sink.messages if m["Subject"].startswith("Reminder")]
    assert [m["To"] for m in reminder_mail] == [kept.patient.user.email]
    assert_nothing_clinical(smtp_sink)


def test_periodic_jobs_run_once_per_tick_with_two_workers(start_worker, smtp_sink):
    patient = PatientFactory()
    slot = SlotFactory()
    hold = appointment_services.hold_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
    Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    workers = [start_worker(), start_worker()]
    wait_until(lambda: Appointment.objects.get(pk=hold.pk).status == AppointmentStatus.CANCELLED, what="the sweep")
    from scheduler.models import PeriodicRun

    wait_until(lambda: PeriodicRun.objects.filter(job="expire_holds").count() >= 3, what="three ticks")
    stop_workers(workers)
    runs = Counter()
    for worker in workers:
        runs.update(re.findall(r"periodic job (\S+) ran for tick (\d+)", worker.output))
    assert runs, workers[0].output[-2000:]
    assert max(runs.values()) == 1, [key for key, n in runs.items() if n > 1]
    jobs = {job for job, _ in runs}
    assert {"expire_holds", "purge_idempotency_keys", "requeue_stalled_notifications"} <= jobs


def test_a_worker_killed_mid_send_leaves_it_to_another_which_sends_it_once(start_worker, smtp_sink):
    smtp_sink.hang_first = True
    book()
    confirmation = Notification.objects.get(kind=NotificationKind.BOOKING_CONFIRMED)
    first = start_worker(EMAIL_TIMEOUT="30")
    wait_until(smtp_sink.hanging.is_set, what="the first worker in the middle of the SMTP conversation")
    first.send_signal(signal.SIGKILL)
    first.wait()
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (NotificationStatus.QUEUED, 1)
    smtp_sink.release.set()
    start_worker()  # after the lease (2 s) its periodic requeue gives the notification a new task
    wait_until(lambda: Notification.objects.get(pk=confirmation.pk).status == NotificationStatus.SENT, what="sent")
    confirmation.refresh_from_db()
    assert confirmation.attempts == 2
    assert [int(m["X-Clinic-Notification"]) for m in smtp_sink.messages] == [confirmation.pk]
