"""Calendar-feed reads: whose token it is, and which appointments their feed shows."""

import datetime
import re

from django.db.models import Q, QuerySet

from accounts.models import User
from appointments.models import Appointment
from calendar_feed.models import CalendarToken
from calendar_feed.services import hash_token

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")
PAST = datetime.timedelta(days=30)
AHEAD = datetime.timedelta(days=365)


def user_for_token(token: str) -> User | None:
    """The active user whose feed this token opens, or None.

    Looked up by the token's hash: the database compares hashes, so the time it takes tells nothing
    about how close a guess came to a real token (no secret-dependent comparison is made).
    """
    if not TOKEN_FORMAT.fullmatch(token):
        return None
    row = CalendarToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if row is None or not row.user.is_active:
        return None
    return row.user


def feed_appointments(*, user: User, now: datetime.datetime) -> QuerySet[Appointment]:
    """A patient's or a doctor's own appointments from 30 days back to a year ahead (others: none).

    Only what the feed shows is read: no reason, no cancellation reason, no insurance details.
    """
    if user.is_patient:
        owner = Q(patient__user=user)
    elif user.is_doctor:
        owner = Q(doctor__user=user)
    else:
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(owner, start__gte=now - PAST, start__lte=now + AHEAD)
        .select_related("doctor__user", "doctor__department", "doctor__specialization", "patient__user")
        .only(
            "id",
            "start",
            "end",
            "status",
            "hold_expires_at",
            "updated_at",
            "doctor__user__first_name",
            "doctor__user__last_name",
            "doctor__user__email",
            "doctor__department__name",
            "doctor__specialization__name",
            "patient__user__first_name",
            "patient__user__last_name",
        )
        .order_by("start", "id")
    )
