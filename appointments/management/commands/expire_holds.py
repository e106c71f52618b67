"""End every hold past its time: the appointment is written ``cancelled`` and its slot reads ``free`` in search.

An expired hold is already over for bookings and reads ``cancelled`` before this runs; this makes slot search
(which reads only the slot's own status) show its slot free. Run it every minute (cron or the background
worker); several runners at once are safe.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from appointments import services


class Command(BaseCommand):
    help = "End expired holds (pending appointments past hold_expires_at) and free their slots."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200, help="holds ended per transaction")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        ended = services.expire_holds(batch_size=max(1, batch_size))
        self.stdout.write(f"Ended {ended} expired hold(s).")
