"""What the notifications app does when an appointment changes (connected in ``NotificationsConfig.ready``).

Each runs inside the appointment command's transaction: the notification commits or rolls back with it.
"""

from typing import Any

from appointments.models import Appointment
from notifications import services


def booked(sender: type[Appointment], *, appointment: Appointment, **kwargs: Any) -> None:
    services.notify_booked(appointment=appointment)


def cancelled(sender: type[Appointment], *, appointment: Appointment, previous_status: str, **kwargs: Any) -> None:
    services.notify_cancelled(appointment=appointment, previous_status=previous_status)


def rescheduled(sender: type[Appointment], *, appointment: Appointment, **kwargs: Any) -> None:
    services.notify_rescheduled(appointment=appointment)
