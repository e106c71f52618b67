"""STUB of queue19's interface, so that the waitlist runs before the notifications app is merged: the lead
takes queue19's ``notifications`` package instead of this one (drop this file and ``__init__.py``)."""

from __future__ import annotations

import datetime
from typing import Any


def queue_notification(
    *,
    kind: str,
    appointment: Any,
    recipient: Any,
    occurrence: str = "",
    send_at: datetime.datetime | None = None,
) -> Any:
    """queue19 writes a unique notification row and enqueues its sending in the current transaction."""
    return None
