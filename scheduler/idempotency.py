"""Idempotency-Key support for POST requests (IETF draft-ietf-httpapi-idempotency-key-header).

A key belongs to one user on one endpoint (method and path): a client may send one key per checkout
to both the hold and its confirm. A retried request with the same key and the same body gets the first
answer again instead of being executed twice; the same key with a different body is a 422; the same
key while the first request is still running is a 409. The key row is written in the same transaction
as the operation, so it exists exactly when the operation's effects do. Only successful answers are
stored: a failed request wrote nothing, so running it again is safe.

The stored answer carries clinical text (a booking's reason), so it is encrypted like every other such
column, and the request's fingerprint is a keyed hash (an unkeyed hash of a short reason could be
found by guessing). Keys live for ``TTL``: an older one is treated as never used, and the worker's
periodic job ``purge_idempotency_keys`` deletes expired ones (the management command of that name does
the same by hand).
"""

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.response import Response

from scheduler.exceptions import ApplicationError, Conflict
from scheduler.models import IdempotencyKey

MAX_KEY_LENGTH = 255
# Retries come within minutes; a day covers a client that retries after an outage.
TTL = datetime.timedelta(hours=24)
PURGE_BATCH = 1000


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


class Fingerprint(str):
    """A request's fingerprint under the current key, carrying those under ``SECRET_KEY_FALLBACKS`` too.

    A retry that straddles a key rotation (the old key kept as a fallback) still matches the stored
    fingerprint instead of getting 422. A ``str``, so it is stored and compared as before.
    """

    fallbacks: tuple[str, ...] = ()

    def matches(self, stored: str) -> bool:
        return any(hmac.compare_digest(stored, candidate) for candidate in (str(self), *self.fallbacks))


def _keyed(secret: str, message: str) -> str:
    key = hashlib.sha256(f"idempotency-fingerprint:{secret}".encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def fingerprint(*, method: str, path: str, body) -> Fingerprint:
    """A keyed hash (HMAC-SHA256 with ``SECRET_KEY``) of the request; reveals nothing of its body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    message = f"{method} {path} {canonical}"
    result = Fingerprint(_keyed(settings.SECRET_KEY, message))
    result.fallbacks = tuple(_keyed(key, message) for key in settings.SECRET_KEY_FALLBACKS)
    return result


def _try_lock(user_id: int, scope: str, key: str) -> bool:
    """A transaction-scoped advisory lock on (user, endpoint, key); SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        return True
    name = f"idempotency:{user_id}:{scope}:{key}"
    lock_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        return cursor.fetchone()[0]


def check_key(key: str) -> str:
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isascii() or not key.isprintable():
        raise InvalidKey()
    return key


def _as_fingerprint(value: str) -> Fingerprint:
    return value if isinstance(value, Fingerprint) else Fingerprint(value)


@transaction.atomic
def run_idempotent(
    *, user, key: str, request_fingerprint: str, operation: Callable[[], tuple[int, dict]], scope: str = ""
) -> tuple[int, dict, bool]:
    """Run ``operation`` once per (user, ``scope``, key); returns (status, body, replayed)."""
    check_key(key)
    if not _try_lock(user.pk, scope, key):
        raise KeyInProgress()
    stored = IdempotencyKey.objects.filter(user=user, scope=scope, key=key).first()
    if stored is not None and stored.created_at < timezone.now() - TTL:
        stored.delete()  # expired and not yet purged: the key is free again
        stored = None
    if stored is not None:
        if not _as_fingerprint(request_fingerprint).matches(stored.fingerprint):
            raise KeyReused()
        return stored.response_status, json.loads(stored.response_body), True
    status, body = operation()
    if 200 <= status < 300:
        IdempotencyKey.objects.create(
            user=user,
            scope=scope,
            key=key,
            fingerprint=str(request_fingerprint),
            response_status=status,
            response_body=json.dumps(body),
        )
    return status, body, False


def respond_once(request, operation: Callable[[], tuple[int, dict]]) -> Response:
    """Answer a POST with ``operation`` (returning status and body), run once per ``Idempotency-Key``.

    The one helper of every command that accepts the header: keyed per user and endpoint (method and
    path); a retry with the same key and body gets the first answer again, marked ``Idempotent-Replayed``.
    Without the header, ``operation`` simply runs.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        code, body = operation()
        return Response(body, status=code)
    scope = f"{request.method} {request.path}"
    fingerprint_ = fingerprint(method=request.method, path=request.path, body=request.data)
    code, body, replayed = run_idempotent(
        user=request.user, key=key, request_fingerprint=fingerprint_, operation=operation, scope=scope
    )
    return Response(body, status=code, headers={"Idempotent-Replayed": "true"} if replayed else None)


def purge_expired(*, older_than: datetime.timedelta = TTL, limit: int = PURGE_BATCH) -> int:
    """Delete up to ``limit`` keys older than ``older_than``; returns how many.

    On PostgreSQL rows another transaction is deleting are skipped, not waited for, so simultaneous
    purges never queue behind each other.
    """
    cutoff = timezone.now() - older_than
    if connection.vendor != "postgresql":
        ids = list(IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:limit])
        return IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM scheduler_idempotencykey WHERE id IN (SELECT id FROM scheduler_idempotencykey"
            " WHERE created_at < %s ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED)",
            [cutoff, limit],
        )
        return cursor.rowcount
