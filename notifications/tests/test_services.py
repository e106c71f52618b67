"""Notifications queued by the appointment commands, composed, skipped and retried (in process; the queue
itself, with real workers and SMTP, is test_worker.py)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Role
from accounts.tests.factories import UserFactory
from appointments import services as appointment_services
from appointments import signals as appointment_signals
from appointments.models import Appointment, AppointmentStatus
from doctors import services as doctor_services
from doctors import signals as doctor_signals
from doctors.tests.factories import SlotFactory
from notifications import services
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.tasks import send_notification
from patients.tests.factories import PatientFactory
from scheduler.exceptions import InvalidTransition, PermissionDenied

pytestmark = pytest.mark.django_db

K = NotificationKind


def kinds(appointment) -> list[tuple[str, int]]:
    return sorted(Notification.objects.filter(appointment=appointment).values_list("kind", "recipient_id"))


def tasks_for(notification) -> int:
    return DBTaskResult.objects.filter(args_kwargs__kwargs__notification_id=notification.pk).count()


def book(patient=None, **slot):
    patient = patient or PatientFactory()
    slot = SlotFactory(**slot)
    return appointment_services.book_appointment(patient=patient, slot_id=slot.pk, reason="Migraine", by=patient.user)


def test_a_booking_queues_its_confirmation_and_its_reminder_each_with_a_task():
    appointment = book()
    user = appointment.patient.user.pk
    assert kinds(appointment) == [(K.BOOKING_CONFIRMED, user), (K.REMINDER, user)]
    reminder = Notification.objects.get(kind=K.REMINDER)
    assert reminder.next_attempt_at == appointment.start - datetime.timedelta(hours=24)
    assert reminder.occurrence == f"{appointment.start.astimezone(datetime.UTC).isoformat()}/24h"
    assert all(tasks_for(n) == 1 for n in Notification.objects.all())


@pytest.mark.postgres
def test_the_task_rows_written_with_the_notifications_are_those_enqueue_writes():
    """PostgreSQL writes the notifications and their tasks in one statement, bypassing ``enqueue()``: its
    rows must be the library's own, column by column (an upgrade of django-tasks-db that changes them
    fails here), and read back as the task that sends the notification."""
    book()
    confirmation = Notification.objects.get(kind=K.BOOKING_CONFIRMED)
    written = DBTaskResult.objects.get(args_kwargs__kwargs__notification_id=confirmation.pk)
    result = send_notification.using(run_after=confirmation.next_attempt_at).enqueue(notification_id=confirmation.pk)
    reference = DBTaskResult.objects.get(pk=result.id)
    columns = [f.attname for f in DBTaskResult._meta.concrete_fields if f.attname not in {"id", "enqueued_at"}]
    assert {c: getattr(written, c) for c in columns} == {c: getattr(reference, c) for c in columns}
    assert written.enqueued_at == confirmation.created_at
    assert (written.task_result.task.func, written.task_result.kwargs) == (
        send_notification.func,
        {"notification_id": confirmation.pk},
    )


def test_reminder_hours_are_configurable_and_none_is_queued_for_the_past(settings):
    settings.REMINDER_HOURS = [48, 2]
    start = timezone.now() + datetime.timedelta(hours=30)
    appointment = book(start=start, end=start + datetime.timedelta(hours=1))
    reminders = Notification.objects.filter(kind=K.REMINDER)
    assert [r.occurrence.rsplit("/", 1)[1] for r in reminders] == ["2h"]  # 48 h before is already past
    assert kinds(appointment).count((K.REMINDER, appointment.patient.user.pk)) == 1


def test_a_hold_queues_nothing_its_confirmation_the_booking_and_its_release_nothing():
    patient = PatientFactory()
    hold = appointment_services.hold_appointment(patient=patient, slot_id=SlotFactory().pk, by=patient.user)
    assert kinds(hold) == []
    appointment_services.confirm_appointment(appointment=hold, by=patient.user)
    appointment_services.confirm_appointment(appointment=hold, by=patient.user)  # idempotent: nothing more
    assert kinds(hold) == [(K.BOOKING_CONFIRMED, patient.user.pk), (K.REMINDER, patient.user.pk)]
    other = appointment_services.hold_appointment(patient=patient, slot_id=SlotFactory().pk, by=patient.user)
    appointment_services.cancel_appointment(appointment=other, by=patient.user)
    assert kinds(other) == []


def test_a_cancellation_tells_the_patient_and_the_doctor():
    appointment = book()
    appointment_services.cancel_appointment(appointment=appointment, by=appointment.patient.user)
    cancelled = Notification.objects.filter(kind=K.BOOKING_CANCELLED)
    assert set(cancelled.values_list("recipient_id", flat=True)) == {
        appointment.patient.user.pk,
        appointment.doctor.user.pk,
    }


def test_the_doctors_cancellation_email_names_the_patient_by_initials_only():
    patient = PatientFactory(user__first_name="jane", user__last_name="Doe")
    appointment = book(patient)
    appointment_services.cancel_appointment(appointment=appointment, by=patient.user)
    to_doctor = Notification.objects.get(kind=K.BOOKING_CANCELLED, recipient=appointment.doctor.user)
    assert services.deliver_notification(notification_id=to_doctor.pk) == "sent"
    [message] = mail.outbox
    assert "the appointment with J. D. has been cancelled" in message.body
    assert not re.search(r"\b(jane|doe)\b", message.body + message.alternatives[0][0], re.IGNORECASE)


def test_each_move_gets_its_notification_and_new_reminders():
    appointment = book()
    user = appointment.patient.user
    for _ in range(2):
        appointment = appointment_services.reschedule_appointment(
            appointment=appointment, new_slot_id=SlotFactory().pk, by=user
        )
    assert Notification.objects.filter(kind=K.BOOKING_RESCHEDULED).count() == 2
    assert Notification.objects.filter(kind=K.REMINDER).count() == 3


def test_queue_notifications_writes_once_per_occurrence_and_rolls_back_with_the_caller():
    appointment = book()
    user = appointment.patient.user

    def queue(kind, occurrence=""):
        planned = [services.Planned(kind=kind, recipient_id=user.pk, occurrence=occurrence)]
        return services.queue_notifications(appointment_id=appointment.pk, planned=planned)

    assert queue(K.BOOKING_CONFIRMED) == []
    [first] = queue(K.WAITLIST_OFFER, "1")
    assert tasks_for(Notification.objects.get(pk=first)) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(K.WAITLIST_OFFER, "2")
        raise RuntimeError
    assert not Notification.objects.filter(occurrence="2").exists()
    assert DBTaskResult.objects.count() == 3  # confirmation, reminder, offer "1"


def test_delivery_composes_in_the_clinic_time_zone_without_anything_clinical(settings):
    settings.CLINIC_TIME_ZONE = "America/New_York"
    start = (timezone.now() + datetime.timedelta(days=30)).replace(hour=15, minute=0, second=0, microsecond=0)
    local = f"{start.astimezone(ZoneInfo('America/New_York')):%H:%M}"  # 10:00 or 11:00, not 15:00
    appointment = book(start=start, end=start + datetime.timedelta(hours=1))
    confirmation = Notification.objects.get(kind=K.BOOKING_CONFIRMED)
    assert services.deliver_notification(notification_id=confirmation.pk) == "sent"
    assert services.deliver_notification(notification_id=confirmation.pk) == "not due"  # once
    [message] = mail.outbox
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        assert "Migraine" not in text and "Acme" not in text and "INS-" not in text
    assert local in message.body and "America/New_York" in message.body and local in html
    assert "15:00" not in message.body
    assert appointment.doctor.department.name in message.body
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts, confirmation.sent_at is not None) == ("sent", 1, True)


def test_a_reminder_due_for_a_cancelled_appointment_is_dropped_not_sent():
    appointment = book()
    reminder = Notification.objects.get(kind=K.REMINDER)
    Notification.objects.filter(pk=reminder.pk).update(next_attempt_at=timezone.now())
    appointment_services.cancel_appointment(appointment=appointment, by=appointment.patient.user)
    assert services.deliver_notification(notification_id=reminder.pk) == "skipped"
    assert not Notification.objects.filter(pk=reminder.pk).exists()
    assert mail.outbox == []


def test_requeue_stalled_gives_a_task_only_to_a_queued_overdue_notification_without_one(settings):
    settings.NOTIFICATION_STALL_SECONDS = 0
    book()
    confirmation = Notification.objects.get(kind=K.BOOKING_CONFIRMED)
    assert services.requeue_stalled() == 0  # its task is still waiting
    DBTaskResult.objects.all().delete()  # a worker took it and died: its row is no longer READY
    assert services.requeue_stalled() == 1  # the reminder is not due yet
    assert tasks_for(confirmation) == 1


def test_only_an_admin_retries_and_only_a_failed_notification():
    book()
    confirmation = Notification.objects.get(kind=K.BOOKING_CONFIRMED)
    admin = UserFactory(role=Role.ADMIN, is_staff=True)
    with pytest.raises(InvalidTransition):
        services.retry_notification(notification=confirmation, by=admin)
    Notification.objects.filter(pk=confirmation.pk).update(status=NotificationStatus.FAILED, attempts=5)
    with pytest.raises(PermissionDenied):
        services.retry_notification(notification=confirmation, by=confirmation.recipient)
    retried = services.retry_notification(notification=confirmation, by=admin)
    assert (retried.status, retried.attempts) == ("queued", 0)
    assert tasks_for(confirmation) == 2


def test_slot_freed_is_sent_for_a_cancellation_a_move_and_an_expired_hold_slots_published_for_new_hours():
    freed, published = [], []

    def on_freed(sender, slot_id, **kw):
        freed.append(slot_id)

    def on_published(sender, slot_ids, **kw):
        published.extend(slot_ids)

    appointment_signals.slot_freed.connect(on_freed, weak=False)
    doctor_signals.slots_published.connect(on_published, weak=False)
    try:
        a, b = book(), book()
        appointment_services.cancel_appointment(appointment=a, by=a.patient.user)
        old = b.slot_id
        appointment_services.reschedule_appointment(appointment=b, new_slot_id=SlotFactory().pk, by=b.patient.user)
        patient = PatientFactory()
        hold = appointment_services.hold_appointment(patient=patient, slot_id=SlotFactory().pk, by=patient.user)
        Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now())
        appointment_services.expire_holds()
        assert freed == [a.slot_id, old, hold.slot_id]
        assert Appointment.objects.get(pk=hold.pk).status == AppointmentStatus.CANCELLED
        doctor = a.doctor
        start = (timezone.now() + datetime.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        result = doctor_services.publish_availability(
            doctor=doctor, by=doctor.user, start=start, end=start + datetime.timedelta(hours=2)
        )
        assert published == [s.pk for s in result.slots] and len(published) == 2
    finally:
        # Only these two: the apps' own receivers (the waitlist's) stay connected for the tests after this one.
        appointment_signals.slot_freed.disconnect(on_freed)
        doctor_signals.slots_published.disconnect(on_published)


def test_finished_task_rows_are_pruned_after_a_week():
    from datetime import timedelta

    from scheduler.periodic import prune_finished_tasks

    book()
    old, recent = DBTaskResult.objects.all()[:2]
    DBTaskResult.objects.filter(pk=old.pk).update(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=8))
    DBTaskResult.objects.filter(pk=recent.pk).update(status="SUCCESSFUL", finished_at=timezone.now())
    assert prune_finished_tasks() == 1
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent.pk]
