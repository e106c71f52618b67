"""Doctor, department and specialization queries."""

import datetime
import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from doctors.models import Doctor, Slot, SlotStatus
from scheduler.exceptions import NotFound


def doctor_list() -> QuerySet[Doctor]:
    """Every active doctor with what the profile shows, next free slot included, in one query."""
    next_free = Slot.objects.filter(doctor=OuterRef("pk"), status=SlotStatus.FREE, start__gt=timezone.now())
    return (
        Doctor.objects.select_related("user", "specialization", "department")
        .filter(user__is_active=True)
        .annotate(next_free_slot=Subquery(next_free.order_by("start").values("start")[:1]))
    )


def get_doctor(*, doctor_id: int) -> Doctor:
    doctor = doctor_list().filter(pk=doctor_id).first()
    if doctor is None:
        raise NotFound("Doctor not found.")
    return doctor


def get_own_doctor(*, user: User) -> Doctor:
    doctor = doctor_list().filter(user=user).first()
    if doctor is None:
        raise NotFound("You have no doctor profile.")
    return doctor


# The columns the slot representation needs: all of them are in the covering search indexes.
SLOT_COLUMNS = ["id", "doctor", "specialization", "department", "start", "end", "status"]


def slot_list() -> QuerySet[Slot]:
    """Slots earliest first. Filtering happens on the slot's own columns, so the partial indexes serve."""
    return Slot.objects.only(*SLOT_COLUMNS).order_by("start", "id")


def get_slot(*, slot_id: int) -> Slot:
    slot = slot_list().filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("Slot not found.")
    return slot


@dataclass(frozen=True)
class SlotSearch:
    """What a slot search asks for; ``None`` leaves a filter out. The window defaults to one from now."""

    doctor: int | None = None
    specialization: int | None = None
    department: int | None = None
    status: str | None = None
    start_after: datetime.datetime | None = None
    start_before: datetime.datetime | None = None

    # Without a window a search would count millions of rows: it starts now, and ends a year later for
    # one doctor, specialization or department, a month later across the whole clinic.
    NARROWED_WINDOW = datetime.timedelta(days=366)
    CLINIC_WIDE_WINDOW = datetime.timedelta(days=31)

    def window(self) -> tuple[datetime.datetime, datetime.datetime]:
        after = self.start_after or timezone.now()
        if self.start_before is not None:
            return after, self.start_before
        narrowed = any((self.doctor, self.specialization, self.department))
        return after, after + (self.NARROWED_WINDOW if narrowed else self.CLINIC_WIDE_WINDOW)


@functools.cache
def _slot_columns_sql() -> str:
    """SLOT_COLUMNS as a select list (``"end"`` is a reserved word, so every name is quoted)."""
    columns = {field.name: field.column for field in Slot._meta.concrete_fields if field.column}
    return ", ".join(connection.ops.quote_name(columns[name]) for name in SLOT_COLUMNS)


def search_slots(search: SlotSearch, *, limit: int, offset: int) -> tuple[list[Slot], int | None]:
    """One page of matching slots, earliest first, and how many match in all, in one statement.

    The count is ``None`` when the page is empty past the first: no row carries it then.

    The busiest read of the product. Written as SQL because building the same two queries with the ORM
    (the page and its count) cost more than PostgreSQL's work for both; one statement also saves a round
    trip. The count is an uncorrelated subquery, run once. Both halves filter on the slot's own columns,
    so the covering partial indexes serve them (``python -m bench.explain`` shows the plan). A test holds
    the answer to the ORM's for every combination of filters.
    """
    after, before = search.window()
    where = ["start >= %s", "start < %s"]
    params: list[datetime.datetime | int | str] = [after, before]  # raw() adapts datetimes per database
    for column, value in (
        ("doctor_id", search.doctor),
        ("specialization_id", search.specialization),
        ("department_id", search.department),
        ("status", search.status),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    condition = " AND ".join(where)
    table = Slot._meta.db_table
    # Only fixed column names are spliced in; every value is a parameter.
    sql = (
        f"SELECT {_slot_columns_sql()}, (SELECT COUNT(*) FROM {table} WHERE {condition}) AS total "  # noqa: S608
        f"FROM {table} WHERE {condition} ORDER BY start, id LIMIT %s OFFSET %s"
    )
    slots = list(Slot.objects.raw(sql, [*params, *params, limit, offset]))
    if slots:
        return slots, slots[0].total  # type: ignore[attr-defined]  # raw() sets the extra column on each row
    return slots, (0 if offset == 0 else None)
