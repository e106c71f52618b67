import datetime
from zoneinfo import ZoneInfo

from doctors.periods import split_period, weekly_periods

UTC = datetime.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def at(y, mo, d, h, mi=0, tz=UTC):
    return datetime.datetime(y, mo, d, h, mi, tzinfo=tz)


def test_exact_hours_split_into_consecutive_slots():
    slots, unused = split_period(at(2027, 3, 1, 9), at(2027, 3, 1, 12))
    assert slots == [
        (at(2027, 3, 1, 9), at(2027, 3, 1, 10)),
        (at(2027, 3, 1, 10), at(2027, 3, 1, 11)),
        (at(2027, 3, 1, 11), at(2027, 3, 1, 12)),
    ]
    assert unused == datetime.timedelta(0)


def test_a_remainder_under_an_hour_is_not_a_slot():
    slots, unused = split_period(at(2027, 3, 1, 9), at(2027, 3, 1, 11, 45))
    assert len(slots) == 2
    assert unused == datetime.timedelta(minutes=45)


def test_split_across_midnight():
    slots, _ = split_period(at(2027, 3, 1, 22), at(2027, 3, 2, 2))
    assert [s.hour for s, _ in slots] == [22, 23, 0, 1]
    assert slots[-1][1] == at(2027, 3, 2, 2)


def test_offsets_are_normalised_to_utc():
    slots, _ = split_period(at(2027, 3, 1, 9, tz=BERLIN), at(2027, 3, 1, 11, tz=BERLIN))
    assert slots[0] == (at(2027, 3, 1, 8), at(2027, 3, 1, 9))
    assert all(s.tzinfo == UTC for s, _ in slots)


def test_a_night_that_loses_an_hour_to_dst_holds_one_slot_fewer():
    # Berlin springs forward on 2027-03-28 at 02:00 local: 00:00-06:00 local is 5 real hours.
    slots, unused = split_period(at(2027, 3, 28, 0, tz=BERLIN), at(2027, 3, 28, 6, tz=BERLIN))
    assert len(slots) == 5
    assert unused == datetime.timedelta(0)
    assert all(e - s == datetime.timedelta(hours=1) for s, e in slots)


def test_a_night_that_gains_an_hour_holds_one_slot_more():
    # Berlin falls back on 2027-10-31 at 03:00 local: 00:00-06:00 local is 7 real hours.
    slots, _ = split_period(at(2027, 10, 31, 0, tz=BERLIN), at(2027, 10, 31, 6, tz=BERLIN))
    assert len(slots) == 7


def test_weekly_repetition_keeps_local_hours_across_a_dst_change():
    # Mondays 09:00-12:00 Berlin, from before to after the spring change (2027-03-28).
    periods = weekly_periods(
        at(2027, 3, 22, 9, tz=BERLIN), at(2027, 3, 22, 12, tz=BERLIN), datetime.date(2027, 4, 5), BERLIN
    )
    assert [p[0] for p in periods] == [at(2027, 3, 22, 8), at(2027, 3, 29, 7), at(2027, 4, 5, 7)]
    assert all(p[0].astimezone(BERLIN).hour == 9 and p[1].astimezone(BERLIN).hour == 12 for p in periods)


def test_weekly_repetition_includes_the_until_date():
    periods = weekly_periods(at(2027, 3, 1, 9), at(2027, 3, 1, 10), datetime.date(2027, 3, 15), UTC)
    assert len(periods) == 3
    periods = weekly_periods(at(2027, 3, 1, 9), at(2027, 3, 1, 10), datetime.date(2027, 3, 14), UTC)
    assert len(periods) == 2
