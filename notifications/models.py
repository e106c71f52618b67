"""Notifications: one row per email to send, the record that it was sent (at most once) or failed."""

from django.db import models
from django.db.models import Q

from accounts.models import User
from appointments.models import Appointment


class NotificationKind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CANCELLED = "booking_cancelled"
    BOOKING_RESCHEDULED = "booking_rescheduled"
    REMINDER = "reminder"
    WAITLIST_OFFER = "waitlist_offer"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # the retries ran out; an admin can retry it


class Notification(models.Model):
    """An email about ``appointment`` to ``recipient``; unique per (kind, appointment, recipient, occurrence),
    so that neither a repeated event nor a retried task can make a second one.

    ``occurrence`` tells apart the notifications of one kind that may rightly repeat: a reminder's is the
    start it reminds of and its hours (a moved appointment gets a new one), a reschedule's the new start.
    ``next_attempt_at`` is when it is due: the send time, a retry's time, or, while a worker sends it, the
    end of that worker's lease. ``last_error`` holds an exception class and an SMTP code, never text that
    could carry an address or health data.
    """

    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    occurrence = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "appointment", "recipient", "occurrence"], name="notifications_once_per_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notifications_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=NotificationStatus.SENT, sent_at__isnull=False)
                | (~Q(status=NotificationStatus.SENT) & Q(sent_at__isnull=True)),
                name="notifications_sent_at_iff_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notifications_recipient_idx"),
            # The stalled-notification sweep reads only the queued ones.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=NotificationStatus.QUEUED),
                name="notifications_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
