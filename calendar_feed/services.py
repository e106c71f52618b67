"""Calendar-feed tokens: issue (replacing any earlier one) and revoke."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from calendar_feed.models import CalendarToken


def hash_token(token: str) -> str:
    """What is stored and looked up: the token's SHA-256. A 256-bit random token needs no salt or slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_calendar_token(*, user: User) -> str:
    """A new secret token for ``user``'s feed (returned once, never stored); the previous one stops working.

    One upsert statement, so two simultaneous requests cannot both insert: the last one wins.
    """
    token = secrets.token_urlsafe(32)
    row = CalendarToken(user=user, token_hash=hash_token(token), created_at=timezone.now())
    CalendarToken.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["user"], update_fields=["token_hash", "created_at"]
    )
    return token


@transaction.atomic
def revoke_calendar_token(*, user: User) -> None:
    """``user``'s feed URL stops working (nothing to revoke is no error)."""
    CalendarToken.objects.filter(user=user).delete()
