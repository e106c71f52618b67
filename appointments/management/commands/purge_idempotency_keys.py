"""Delete expired Idempotency-Key answers.

Not needed on a schedule: every newly stored key purges expired ones (scheduler.idempotency). Run it
after a long quiet period, or from a background worker.
"""

import datetime

from django.core.management.base import BaseCommand

from scheduler import idempotency


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than --hours (default 24): retries come within minutes."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=int(idempotency.TTL.total_seconds() // 3600))

    def handle(self, *args, hours: int, **options):
        older_than = datetime.timedelta(hours=hours)
        deleted = 0
        while purged := idempotency.purge_expired(older_than=older_than):
            deleted += purged
        self.stdout.write(f"Deleted {deleted} idempotency key(s) older than {hours} h.")
