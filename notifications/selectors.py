"""Notification queries: what each caller may see."""

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def notifications_visible_to(user: User) -> QuerySet[Notification]:
    """Admins see all; a patient or a doctor the notifications sent to them."""
    notifications = Notification.objects.order_by("-created_at", "-id")
    if user.is_admin:
        return notifications
    return notifications.filter(recipient=user)
