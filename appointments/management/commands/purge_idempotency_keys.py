"""Delete stored Idempotency-Key answers older than a day (run daily, e.g. from cron)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from scheduler.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than --hours (default 24): retries come within minutes."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        cutoff = timezone.now() - datetime.timedelta(hours=hours)
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} idempotency key(s) older than {hours} h.")
