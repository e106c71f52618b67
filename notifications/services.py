"""Notifications: queue them in the transaction of the change they announce, send them from the worker.

Delivery, step by step (DesignDecisions.md, delivery guarantees):

1. ``queue_notifications`` inserts the rows, unique per (kind, appointment, recipient, occurrence), and the
   task that will send each (on PostgreSQL in one statement), in the caller's transaction: a rollback
   leaves neither; a second event of the same occurrence inserts nothing.
2. A worker takes the task (SKIP LOCKED: one worker per task row). ``deliver_notification`` locks the row
   (SKIP LOCKED again) and goes on only if it is ``queued`` and due; it counts the attempt and moves
   ``next_attempt_at`` one lease ahead, and commits: for the lease, no other worker will send it.
3. It sends over SMTP, outside any transaction, then writes ``sent``. A failure schedules the next attempt
   (exponential backoff) with a new task, or ends ``failed`` after ``NOTIFICATION_MAX_ATTEMPTS``.
4. A worker killed in steps 2-3 leaves the row ``queued``; once its lease is over, the periodic
   ``requeue_stalled`` gives it a new task. The only way to send twice is a crash between the SMTP
   server's acceptance of the message and the commit of ``sent`` (milliseconds).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily, Metric

from accounts.models import User
from appointments.models import Appointment, AppointmentStatus
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.tasks import send_notification
from scheduler.exceptions import InvalidTransition, PermissionDenied

logger = logging.getLogger(__name__)

# A row per notification, written once (no savepoint, no IntegrityError on a repeat).
_INSERT_ROW = "(%s, %s, %s, %s, %s, 0, %s, %s, '')"
_INSERT_ONCE = (
    "INSERT INTO notifications_notification (kind, appointment_id, recipient_id, occurrence, status, attempts, "
    "next_attempt_at, created_at, last_error) VALUES {rows} ON CONFLICT DO NOTHING RETURNING id, next_attempt_at"
)
# PostgreSQL: the notifications and their tasks in ONE statement, the task rows exactly as django-tasks-db's
# ``enqueue()`` writes them (test_services checks column by column). django-tasks has no bulk enqueue, and
# this is the booking's hot path: the ORM's one insert per task row cost the booking storm a quarter of its
# rate (bench/README.md). A task is written only for a notification that was.
_INSERT_WITH_TASKS = (
    "WITH created AS ({insert}) "
    "INSERT INTO django_tasks_database_dbtaskresult (id, status, args_kwargs, priority, task_path, queue_name, "
    "backend_name, run_after, enqueued_at, exception_class_path, traceback, worker_ids) "
    "SELECT gen_random_uuid(), %s, jsonb_build_object('args', '[]'::jsonb, 'kwargs', "
    "jsonb_build_object('notification_id', created.id)), %s, %s, %s, %s, created.next_attempt_at, %s, '', '', "
    "'[]'::jsonb FROM created RETURNING (args_kwargs #>> '{{kwargs,notification_id}}')::bigint"
)


@dataclass(frozen=True)
class Planned:
    """A notification to write: its kind, recipient, occurrence and send time (None: now)."""

    kind: str
    recipient_id: int
    occurrence: str = ""
    send_at: datetime.datetime | None = None


def _enqueue(notification_id: int, when: datetime.datetime) -> None:
    send_notification.using(run_after=when).enqueue(notification_id=notification_id)


def queue_notifications(*, appointment_id: int, planned: Sequence[Planned]) -> list[int]:
    """Write the notifications about one appointment and the task that sends each (at its ``send_at``) in
    the CURRENT transaction: a rollback leaves nothing. Returns the ids of those written: one whose (kind,
    appointment, recipient, occurrence) exists already is not written again, nor is its task."""
    if not planned:
        return []
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value

    def row(item: Planned) -> list[Any]:
        when = adapt(item.send_at or now)
        return [
            item.kind,
            appointment_id,
            item.recipient_id,
            item.occurrence,
            NotificationStatus.QUEUED,
            when,
            adapt(now),
        ]

    # Joins the caller's transaction (no savepoint: nothing here is undone alone); alone, one of its own.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            task = send_notification
            cursor.execute(
                _INSERT_WITH_TASKS.format(insert=_INSERT_ONCE.format(rows=", ".join([_INSERT_ROW] * len(planned)))),
                [value for item in planned for value in row(item)]
                + [TaskResultStatus.READY, task.priority, task.module_path, task.queue_name, task.backend, adapt(now)],
            )
            return [created for (created,) in cursor.fetchall()]
        created = []
        for item in planned:  # a statement per row and per task (SQLite, for ``make run``)
            cursor.execute(_INSERT_ONCE.format(rows=_INSERT_ROW), row(item))
            if (written := cursor.fetchone()) is not None:
                _enqueue(written[0], item.send_at or now)
                created.append(written[0])
        return created


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def _reminders(appointment: Appointment) -> list[Planned]:
    """A reminder ``REMINDER_HOURS`` before the start, each one still in the future. The occurrence is the
    start and the hours: a moved appointment gets new reminders, and the old ones are skipped when due."""
    now = timezone.now()
    return [
        Planned(
            kind=NotificationKind.REMINDER,
            recipient_id=appointment.patient.user_id,
            occurrence=f"{_utc(appointment.start)}/{hours}h",
            send_at=send_at,
        )
        for hours in settings.REMINDER_HOURS
        # too late for one in the past: the confirmation has just gone out
        if (send_at := appointment.start - datetime.timedelta(hours=hours)) > now
    ]


def notify_booked(*, appointment: Appointment) -> None:
    """A booking, made directly or by confirming a hold: the confirmation and the reminders."""
    confirmation = Planned(kind=NotificationKind.BOOKING_CONFIRMED, recipient_id=appointment.patient.user_id)
    queue_notifications(appointment_id=appointment.pk, planned=[confirmation, *_reminders(appointment)])


def notify_cancelled(*, appointment: Appointment, previous_status: str) -> None:
    """A cancelled booking: its patient and its doctor hear of it. A released hold was never a booking."""
    if previous_status != AppointmentStatus.SCHEDULED:
        return
    planned = [
        Planned(kind=NotificationKind.BOOKING_CANCELLED, recipient_id=recipient_id)
        for recipient_id in (appointment.patient.user_id, appointment.doctor.user_id)
    ]
    queue_notifications(appointment_id=appointment.pk, planned=planned)


def notify_rescheduled(*, appointment: Appointment) -> None:
    """A move: one notification per new start, and the reminders for it (the old ones are skipped)."""
    moved = Planned(
        kind=NotificationKind.BOOKING_RESCHEDULED,
        recipient_id=appointment.patient.user_id,
        occurrence=_utc(appointment.start),
    )
    queue_notifications(appointment_id=appointment.pk, planned=[moved, *_reminders(appointment)])


def notify_offered(*, appointment: Appointment) -> None:
    """A waitlist offer: the hold made in the patient's name, to confirm before it runs out."""
    offer = Planned(kind=NotificationKind.WAITLIST_OFFER, recipient_id=appointment.patient.user_id)
    queue_notifications(appointment_id=appointment.pk, planned=[offer])


def _reminder_still_due(notification: Notification, appointment: Appointment) -> bool:
    """Checked when it is sent: still booked, and still at the start it was scheduled for."""
    return appointment.effective_status == AppointmentStatus.SCHEDULED and notification.occurrence.startswith(
        f"{_utc(appointment.start)}/"
    )


def _compose(notification: Notification, appointment: Appointment) -> EmailMultiAlternatives:
    """The email: date and time in the clinic's time zone, the doctor and the department; never the reason,
    a diagnosis or insurance details (none of them is in the context)."""
    clinic = ZoneInfo(settings.CLINIC_TIME_ZONE)
    doctor = appointment.doctor
    recipient = notification.recipient
    to_doctor = recipient.pk == doctor.user_id
    start, end = appointment.start.astimezone(clinic), appointment.end.astimezone(clinic)
    hold = appointment.hold_expires_at.astimezone(clinic) if appointment.hold_expires_at else None
    context = {
        "kind": notification.kind,
        "greeting_name": recipient.full_name or "",
        "to_doctor": to_doctor,
        "patient_initials": (appointment.patient.user.initials or "a patient") if to_doctor else "",
        "when_short": f"{start:%a} {start.day} {start:%b %Y, %H:%M}",
        "when_long": f"{start:%A} {start.day} {start:%B %Y, %H:%M}–{end:%H:%M}",
        "time_zone": settings.CLINIC_TIME_ZONE,
        "doctor_name": doctor.user.full_name,
        "department": doctor.department.name,
        "specialization": doctor.specialization.name,
        "hold_until": f"{hold:%A} {hold.day} {hold:%B %Y, %H:%M}" if hold else "",
    }
    subject = render_to_string("notifications/email/subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("notifications/email/message.txt", context),
        to=[recipient.email],
        headers={"X-Clinic-Notification": str(notification.pk)},
    )
    message.attach_alternative(render_to_string("notifications/email/message.html", context), "text/html")
    return message


def _describe(exc: BaseException) -> str:
    """The error without its text (an SMTP reply can echo the recipient's address): class and SMTP code."""
    code = f" {exc.smtp_code}" if isinstance(exc, smtplib.SMTPResponseException) else ""
    return f"{type(exc).__name__}{code}"[:200]


def deliver_notification(*, notification_id: int) -> str:
    """Send one notification if it is queued and due; returns what happened (for the task's result)."""
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
            .first()
        )
        if notification is None:
            return "not due"  # sent, failed, being sent by another worker (leased or locked), or a retry to come
        appointment = (
            Appointment.objects.select_related(
                "patient__user", "doctor__user", "doctor__department", "doctor__specialization"
            )
            .defer("reason", "patient__insurance_name", "patient__insurance_number")
            .get(pk=notification.appointment_id)
        )
        if notification.kind == NotificationKind.REMINDER and not _reminder_still_due(notification, appointment):
            notification.delete()  # cancelled or moved meanwhile: the move made its own reminders
            return "skipped"
        notification.attempts += 1
        notification.next_attempt_at = now + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
        notification.save(update_fields=["attempts", "next_attempt_at"])
    try:
        _compose(notification, appointment).send()
    except Exception as exc:  # a mail server away, or any other fault: counted, retried, then failed
        return _record_failure(notification_id, exc)
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _record_failure(notification_id: int, exc: BaseException) -> str:
    error = _describe(exc)
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, status=NotificationStatus.QUEUED)
            .first()
        )
        if notification is None:
            return "gone"
        notification.last_error = error
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            notification.status = NotificationStatus.FAILED
            notification.save(update_fields=["status", "last_error"])
            logger.warning(
                "notification %s failed after %s attempts: %s", notification_id, notification.attempts, error
            )
            return "failed"
        delay = settings.NOTIFICATION_RETRY_SECONDS * 2 ** (notification.attempts - 1)
        notification.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
        notification.save(update_fields=["next_attempt_at", "last_error"])
        _enqueue(notification.pk, notification.next_attempt_at)
    logger.info(
        "notification %s attempt %s failed (%s); next in %.0f s", notification_id, notification.attempts, error, delay
    )
    return "retry"


def requeue_stalled(*, limit: int = 500) -> int:
    """Periodic: a new task for each queued notification that is overdue and has no task waiting to run
    (its worker was killed mid-send, or its task row was lost). Returns how many."""
    now = timezone.now()
    overdue = list(
        Notification.objects.filter(
            status=NotificationStatus.QUEUED,
            next_attempt_at__lte=now - datetime.timedelta(seconds=settings.NOTIFICATION_STALL_SECONDS),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not overdue:
        return 0
    waiting = set(
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=send_notification.module_path,
            args_kwargs__kwargs__notification_id__in=overdue,
        ).values_list("args_kwargs__kwargs__notification_id", flat=True)
    )
    stalled = [pk for pk in overdue if pk not in waiting]
    with transaction.atomic():
        for pk in stalled:
            _enqueue(pk, now)
    if stalled:
        logger.warning("requeued %s stalled notification(s)", len(stalled))
    return len(stalled)


@transaction.atomic
def retry_notification(*, notification: Notification, by: User) -> Notification:
    """Send a ``failed`` notification again, with a fresh set of attempts (admins)."""
    if not by.is_admin:
        raise PermissionDenied("Only an admin can retry a notification.")
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.status != NotificationStatus.FAILED:
        raise InvalidTransition(f"A {notification.status} notification cannot be retried.")
    notification.status, notification.attempts, notification.last_error = NotificationStatus.QUEUED, 0, ""
    notification.next_attempt_at = timezone.now()
    notification.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    _enqueue(notification.pk, notification.next_attempt_at)
    return notification


def notification_metrics() -> Iterator[Metric]:
    """Notifications by status, read at scrape time: the worker that sends them may run on another machine."""
    family = GaugeMetricFamily(
        "scheduler_notifications", "Notifications by status: queued, sent, failed.", labels=["status"]
    )
    counts = dict(Notification.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    for status in NotificationStatus.values:
        family.add_metric([status], counts.get(status, 0))
    yield family
