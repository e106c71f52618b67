"""Idempotency-Key support for POST requests (IETF draft-ietf-httpapi-idempotency-key-header).

A retried request with the same key and the same body gets the first answer again instead of being
executed twice; the same key with a different body is a 422; the same key while the first request is
still running is a 409. The key row is written in the same transaction as the operation, so it exists
exactly when the operation's effects do. Only successful answers are stored: a failed request wrote
nothing, so running it again is safe.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction

from scheduler.exceptions import ApplicationError, Conflict
from scheduler.models import IdempotencyKey

MAX_KEY_LENGTH = 255


class KeyReused(ApplicationError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request."


class KeyInProgress(Conflict):
    default_code = "idempotency_key_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed; retry later."


class InvalidKey(ApplicationError):
    default_code = "invalid_idempotency_key"
    default_detail = "Idempotency-Key must be 1 to 255 printable ASCII characters."


def fingerprint(*, method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path} {canonical}".encode()).hexdigest()


def _try_lock(user_id: int, key: str) -> bool:
    """A transaction-scoped advisory lock on (user, key); SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        return True
    lock_id = int.from_bytes(hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        return cursor.fetchone()[0]


def check_key(key: str) -> str:
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isascii() or not key.isprintable():
        raise InvalidKey()
    return key


@transaction.atomic
def run_idempotent(
    *, user, key: str, request_fingerprint: str, operation: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run ``operation`` once per (user, key); returns (status, body, replayed)."""
    check_key(key)
    if not _try_lock(user.pk, key):
        raise KeyInProgress()
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None:
        if stored.fingerprint != request_fingerprint:
            raise KeyReused()
        return stored.response_status, stored.response_body, True
    status, body = operation()
    if 200 <= status < 300:
        IdempotencyKey.objects.create(
            user=user, key=key, fingerprint=request_fingerprint, response_status=status, response_body=body
        )
    return status, body, False
