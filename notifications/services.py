"""Notifications: queue them in the transaction of the change they announce, send them from the worker.

Delivery, step by step (DesignDecisions.md, delivery guarantees):

1. ``queue_notification`` inserts the row, unique per (kind, appointment, recipient, occurrence), and the
   task that will send it, both in the caller's transaction: a rollback leaves neither; a second event of
   the same occurrence inserts nothing.
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
from collections.abc import Iterator
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

# One statement (no savepoint, no IntegrityError): the booking's hot path pays one insert per notification.
_INSERT_ONCE = (
    "INSERT INTO notifications_notification (kind, appointment_id, recipient_id, occurrence, status, attempts, "
    "next_attempt_at, created_at, last_error) VALUES (%s, %s, %s, %s, %s, 0, %s, %s, '') "
    "ON CONFLICT DO NOTHING RETURNING id"
)


def _enqueue(notification_id: int, when: datetime.datetime) -> None:
    send_notification.using(run_after=when).enqueue(notification_id=notification_id)


def queue_notification(
    *,
    kind: str,
    appointment: Appointment,
    recipient: User,
    occurrence: str = "",
    send_at: datetime.datetime | None = None,
) -> Notification | None:
    """Write the notification and the task that sends it (at ``send_at``, default now) in the CURRENT
    transaction: a rollback leaves nothing. None if this (kind, appointment, recipient, occurrence)
    exists already."""
    now = timezone.now()
    when = send_at or now
    adapt = connection.ops.adapt_datetimefield_value
    # Joins the caller's transaction (no savepoint: nothing here is undone alone); alone, one of its own.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_ONCE,
                [kind, appointment.pk, recipient.pk, occurrence, NotificationStatus.QUEUED, adapt(when), adapt(now)],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        _enqueue(row[0], when)
    return Notification(
        pk=row[0],
        kind=kind,
        appointment=appointment,
        recipient=recipient,
        occurrence=occurrence,
        next_attempt_at=when,
        created_at=now,
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def _patient_user(appointment: Appointment) -> User:
    return appointment.patient.user


def schedule_reminders(*, appointment: Appointment) -> list[Notification]:
    """A reminder ``REMINDER_HOURS`` before the start, each one still in the future. The occurrence is the
    start and the hours: a moved appointment gets new reminders, and the old ones are skipped when due."""
    now = timezone.now()
    queued = []
    for hours in settings.REMINDER_HOURS:
        send_at = appointment.start - datetime.timedelta(hours=hours)
        if send_at <= now:
            continue  # too late for this one: the confirmation has just gone out
        notification = queue_notification(
            kind=NotificationKind.REMINDER,
            appointment=appointment,
            recipient=_patient_user(appointment),
            occurrence=f"{_utc(appointment.start)}/{hours}h",
            send_at=send_at,
        )
        if notification is not None:
            queued.append(notification)
    return queued


def notify_booked(*, appointment: Appointment) -> None:
    """A booking, made directly or by confirming a hold: the confirmation and the reminders."""
    queue_notification(
        kind=NotificationKind.BOOKING_CONFIRMED, appointment=appointment, recipient=_patient_user(appointment)
    )
    schedule_reminders(appointment=appointment)


def notify_cancelled(*, appointment: Appointment, previous_status: str) -> None:
    """A cancelled booking: its patient and its doctor hear of it. A released hold was never a booking."""
    if previous_status != AppointmentStatus.SCHEDULED:
        return
    for recipient in (_patient_user(appointment), appointment.doctor.user):
        queue_notification(kind=NotificationKind.BOOKING_CANCELLED, appointment=appointment, recipient=recipient)


def notify_rescheduled(*, appointment: Appointment) -> None:
    """A move: one notification per new start, and the reminders for it (the old ones are skipped)."""
    queue_notification(
        kind=NotificationKind.BOOKING_RESCHEDULED,
        appointment=appointment,
        recipient=_patient_user(appointment),
        occurrence=_utc(appointment.start),
    )
    schedule_reminders(appointment=appointment)


def _reminder_still_due(notification: Notification, appointment: Appointment) -> bool:
    """Checked when it is sent: still booked, and still at the start it was scheduled for."""
    return appointment.effective_status == AppointmentStatus.SCHEDULED and notification.occurrence.startswith(
        f"{_utc(appointment.start)}/"
    )


def _initials(user: User) -> str:
    return "".join(f"{part[0]}." for part in (user.first_name, user.last_name) if part) or "a patient"


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
        "patient_initials": _initials(appointment.patient.user) if to_doctor else "",
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
            Notification.objects.select_for_update(skip_locked=True)
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
        recipient = User.objects.get(pk=notification.recipient_id)
    notification.recipient = recipient
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
