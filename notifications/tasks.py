"""The queue's tasks (django-tasks): thin entry points into ``notifications.services``."""

from django_tasks import task


@task()
def send_notification(notification_id: int) -> str:
    """Send one queued notification if it is due (a no-op if it was sent, failed or is being sent)."""
    from notifications.services import deliver_notification

    return deliver_notification(notification_id=notification_id)
