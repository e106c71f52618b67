import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from scheduler.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def test_purge_idempotency_keys_deletes_only_old_ones():
    user = UserFactory()
    old = IdempotencyKey.objects.create(user=user, key="old", fingerprint="x", response_status=201, response_body="{}")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    IdempotencyKey.objects.create(user=user, key="new", fingerprint="x", response_status=201, response_body="{}")
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert "Deleted 1" in out.getvalue()
