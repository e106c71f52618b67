"""Abstract model bases shared by the apps."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from scheduler.fields import EncryptedTextField


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyModel(models.Model):
    """A history or audit table: rows are added, never changed or deleted.

    The model refuses ``save()`` of an existing row and ``delete()``; a trigger added by the table's
    migration (``scheduler.migration_ops.append_only``) refuses UPDATE and DELETE whatever the client,
    bulk queries included.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{type(self).__name__} rows are append-only.")


class IdempotencyKey(models.Model):
    """A completed request's answer, replayed when the same user retries with the same key.

    ``response_body`` is the answer's JSON text, encrypted: it holds clinical text (a booking's reason).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The endpoint ("POST /api/appointments/7/confirm/"): a key is one user's on one endpoint.
    scope = models.CharField(max_length=255, db_default="")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_user_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class WorkerHeartbeat(models.Model):
    """When each background worker process last said it was alive (``scheduler.health``)."""

    worker = models.CharField(max_length=255, unique=True)  # host:pid
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker


class PeriodicRun(models.Model):
    """One row per periodic job and tick (``WORKER_TICK_SECONDS`` long): the worker that writes it runs the
    job, any other sees the row and skips it, so a job runs once per tick however many workers run
    (``scheduler.periodic``)."""

    job = models.CharField(max_length=100)
    tick = models.BigIntegerField()
    worker = models.CharField(max_length=64)
    ran_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "tick"], name="periodic_run_once_per_tick")]

    def __str__(self) -> str:
        return f"{self.job}@{self.tick}"
