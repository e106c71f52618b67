"""Pure time arithmetic for availability: periods in, UTC 1-hour slots out (no database).

A period is two absolute instants. Slots are 60 real minutes, counted in UTC, so a night that loses an
hour to daylight saving holds one slot fewer. A weekly repetition repeats the clinic's *local*
wall-clock hours: Monday 09:00-17:00 in Europe/Berlin stays 09:00-17:00 local after the clocks change,
and its UTC instants move by an hour (DesignDecisions.md, Time).
"""

import datetime
from zoneinfo import ZoneInfo

SLOT_LENGTH = datetime.timedelta(hours=1)
UTC = datetime.UTC

Period = tuple[datetime.datetime, datetime.datetime]


def split_period(start: datetime.datetime, end: datetime.datetime) -> tuple[list[Period], datetime.timedelta]:
    """Consecutive 1-hour slots from ``start``; returns them and the unused remainder."""
    cursor, end = start.astimezone(UTC), end.astimezone(UTC)
    slots: list[Period] = []
    while cursor + SLOT_LENGTH <= end:
        slots.append((cursor, cursor + SLOT_LENGTH))
        cursor += SLOT_LENGTH
    return slots, max(end - cursor, datetime.timedelta(0))


def _local_to_utc(wall: datetime.datetime, tz: ZoneInfo) -> datetime.datetime:
    # A wall time that does not exist (the skipped spring-forward hour) comes out shifted forward by
    # the round trip through UTC; an ambiguous one (autumn) takes its first occurrence (fold=0).
    return wall.replace(tzinfo=tz).astimezone(UTC)


def weekly_periods(
    start: datetime.datetime, end: datetime.datetime, until: datetime.date, tz: ZoneInfo
) -> list[Period]:
    """The period and its repetitions at the same local hours every 7 days, up to ``until`` (inclusive)."""
    local_start = start.astimezone(tz).replace(tzinfo=None)
    local_end = end.astimezone(tz).replace(tzinfo=None)
    periods: list[Period] = []
    week = datetime.timedelta(weeks=1)
    while local_start.date() <= until:
        periods.append((_local_to_utc(local_start, tz), _local_to_utc(local_end, tz)))
        local_start += week
        local_end += week
    return periods
