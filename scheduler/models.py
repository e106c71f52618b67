"""Abstract model bases shared by the apps."""

from django.conf import settings
from django.db import models

from scheduler.fields import EncryptedTextField


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """A completed request's answer, replayed when the same user retries with the same key.

    ``response_body`` is the answer's JSON text, encrypted: it holds clinical text (a booking's reason).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class WorkerHeartbeat(models.Model):
    """When each background worker process last said it was alive (``scheduler.health``)."""

    worker = models.CharField(max_length=255, unique=True)  # host:pid
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker
