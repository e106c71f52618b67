"""The slot search's hand-written statement answers exactly what the ORM would."""

import datetime
import itertools
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from doctors.models import Slot, SlotStatus
from doctors.selectors import SlotSearch, search_slots
from doctors.tests.factories import DepartmentFactory, DoctorFactory, SlotFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clinic():
    """Three doctors (two sharing a department) with slots at the same hours, free and booked, past and far ahead."""
    department = DepartmentFactory()
    doctors = [DoctorFactory(department=department), DoctorFactory(department=department), DoctorFactory()]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    starts = [now - 2 * HOUR, now + HOUR, now + 5 * HOUR, now + 3 * DAY, now + 40 * DAY, now + 400 * DAY]
    for i, (doctor, start) in enumerate(itertools.product(doctors, starts)):
        status = SlotStatus.BOOKED if i % 3 == 0 else SlotStatus.FREE
        SlotFactory(doctor=doctor, start=start, end=start + HOUR, status=status)  # equal starts: ties go by id
    return doctors, now


def orm_answer(search: SlotSearch) -> list[int]:
    after, before = search.window()
    lookups = {"start__gte": after, "start__lt": before}
    for name in ("doctor", "specialization", "department", "status"):
        if getattr(search, name) is not None:
            lookups[name if name == "status" else f"{name}_id"] = getattr(search, name)
    return list(Slot.objects.filter(**lookups).order_by("start", "id").values_list("id", flat=True))


FILTERS = ["doctor", "specialization", "department", "status", "start_after", "start_before"]


@pytest.mark.parametrize(
    "names", [names for n in range(len(FILTERS) + 1) for names in itertools.combinations(FILTERS, n)]
)
def test_every_combination_of_filters_matches_the_orm(clinic, names):
    doctors, now = clinic
    values = {
        "doctor": doctors[0].pk,
        "specialization": doctors[1].specialization_id,
        "department": doctors[0].department_id,
        "status": SlotStatus.FREE,
        "start_after": (now - 3 * HOUR).astimezone(BERLIN),  # an offset other than UTC on purpose
        "start_before": now + 41 * DAY,
    }
    search = SlotSearch(**{name: values[name] for name in names})
    with time_machine.travel(now + datetime.timedelta(minutes=30), tick=False):  # one "now" for both
        expected = orm_answer(search)
        for limit, offset in [(100, 0), (2, 0), (2, 1), (3, 3)]:
            slots, count = search_slots(search, limit=limit, offset=offset)
            assert [slot.pk for slot in slots] == expected[offset : offset + limit]
            if slots or offset == 0:
                assert count == len(expected)


def test_the_answer_carries_every_column_the_representation_needs(clinic):
    doctors, now = clinic
    [slot], _ = search_slots(SlotSearch(doctor=doctors[2].pk), limit=1, offset=0)
    stored = Slot.objects.get(pk=slot.pk)
    for name in ("doctor_id", "specialization_id", "department_id", "start", "end", "status"):
        assert getattr(slot, name) == getattr(stored, name), name
    assert slot.start.utcoffset() == datetime.timedelta(0)


def test_past_the_last_page_the_count_is_unknown_and_an_empty_search_counts_zero(clinic):
    doctors, _ = clinic
    assert search_slots(SlotSearch(doctor=doctors[0].pk), limit=20, offset=20) == ([], None)
    assert search_slots(SlotSearch(doctor=doctors[0].pk + 1000), limit=20, offset=0) == ([], 0)


def test_window_bounds_around_the_autumn_dst_change():
    """02:30 Berlin happens twice on 2030-10-27; each bound is its own instant, inclusive and exclusive."""
    doctor = DoctorFactory()
    first = datetime.datetime(2030, 10, 27, 0, 0, tzinfo=datetime.UTC)  # 02:00 CEST
    slots = [SlotFactory(doctor=doctor, start=first + h * HOUR, end=first + (h + 1) * HOUR) for h in range(4)]
    after = datetime.datetime(2030, 10, 27, 2, 0, fold=1, tzinfo=BERLIN)  # 02:00 CET = 01:00 UTC
    before = datetime.datetime(2030, 10, 27, 4, 0, tzinfo=BERLIN)  # 03:00 UTC
    found, count = search_slots(SlotSearch(doctor=doctor.pk, start_after=after, start_before=before), limit=9, offset=0)
    assert [slot.pk for slot in found] == [slots[1].pk, slots[2].pk]
    assert count == 2


@pytest.mark.postgres
def test_pages_of_equal_start_times_follow_the_id_whatever_plan_postgresql_picks():
    """Every doctor's day starts at the same hour, so ties are the rule: ``id`` breaks them, or pages
    would repeat and skip slots. The index returns ties in id order anyway; a sort need not, so the
    test takes the index away and moves half the rows to the end of the table first."""
    from django.db import connection

    start = timezone.now().replace(minute=0, second=0, microsecond=0) + DAY
    slots = [SlotFactory(start=start, end=start + HOUR) for _ in range(12)]
    moved = [slot.pk for slot in slots[::2]]
    # An update writes a new row version at the end of the heap: the table's order is no longer the ids'.
    Slot.objects.filter(pk__in=moved).update(status=SlotStatus.BOOKED)
    Slot.objects.filter(pk__in=moved).update(status=SlotStatus.FREE)
    with connection.cursor() as cursor:
        for plan in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {plan} = off")  # until the test's transaction ends
        cursor.execute("SELECT id FROM doctors_slot WHERE start = %s", [start])
        assert [row[0] for row in cursor.fetchall()] != sorted(slot.pk for slot in slots)  # the setup worked
    pages = [search_slots(SlotSearch(status=SlotStatus.FREE), limit=5, offset=offset)[0] for offset in (0, 5, 10)]
    assert [slot.pk for page in pages for slot in page] == sorted(slot.pk for slot in slots)
