"""FHIR searches as queries: a checked ``Search`` in, one page of rows and the total out.

Each runs on the apps' own selectors and REST filtersets (the same visibility, the same validation and, for
slots, the same one statement as the REST search); the views only parse, call one of these and render.
"""

import datetime
import functools
import operator
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from appointments import selectors as appointment_selectors
from appointments.filters import AppointmentFilter
from appointments.models import Appointment, status_filter
from appointments.statuses import FHIR_APPOINTMENT_STATUS, FHIR_SLOT_STATUS
from doctors import selectors as doctor_selectors
from doctors.filters import DoctorFilter, SlotFilter
from doctors.models import Doctor, Slot, SlotStatus, Specialization
from fhir.api import invalid
from fhir.resources import SPECIALTY_SYSTEM
from fhir.search import Search, positive_id, reference_id, token_code
from scheduler.exceptions import NotFound

# Every code of the R4 value sets: one we never emit finds nothing (not an error); anything else is a 400.
SLOT_CODES = ("busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error")
APPOINTMENT_CODES = (
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
)
# The REST filters' field names → the FHIR parameters they came from (for the error messages).
SLOT_PARAM_NAMES = {
    "doctor": "schedule",
    "specialization": "specialty",
    "status": "status",
    "start_after": "start",
    "start_before": "start",
}
APPOINTMENT_PARAM_NAMES = {
    "patient": "patient",
    "doctor": "practitioner",
    "start_after": "date",
    "start_before": "date",
}
UNUSED = object()  # a status code of the value set that we never emit
M = TypeVar("M", bound=Model)


def specialty_names(rows: Iterable[Slot]) -> dict[int, str]:
    """{specialization id: name} for the rows' specializations, in one query (slot rows carry only the id)."""
    ids = {row.specialization_id for row in rows}
    return dict(Specialization.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def specialty_id(name: str, raw: str | None) -> int | None:
    code = token_code(name, raw, SPECIALTY_SYSTEM)
    return None if code is None else positive_id(name, code)


def checked(filterset: Any, names: dict[str, str]) -> Any:
    """A REST filterset's validation, its errors named by the FHIR parameters they came from."""
    if not filterset.is_valid():
        field, errors = next(iter(filterset.errors.items()))
        message = " ".join(errors)
        for rest_name, fhir_name in names.items():
            message = message.replace(rest_name, fhir_name)
        raise invalid(names.get(field, field), message)
    return filterset


def own_patient_id(user: User) -> int | None:
    profile = getattr(user, "patient_profile", None) if user.is_patient else None
    return profile.pk if profile is not None else None


def queryset_page(search: Search, queryset: QuerySet[M]) -> tuple[list[M], int]:
    total = queryset.count()
    return list(queryset[search.offset : search.offset + search.count]), total


def slot_page(search: Search, slot_search: doctor_selectors.SlotSearch) -> tuple[list[Slot], int]:
    """The REST slot search's one statement for this page."""
    rows, total = doctor_selectors.search_slots(slot_search, limit=search.count, offset=search.offset)
    if total is None:  # a page past the last one: empty, and the count comes from the first
        total = doctor_selectors.search_slots(slot_search, limit=1, offset=0)[1]
    return rows, total or 0


def practitioners(search: Search) -> tuple[list[Doctor], int]:
    doctors = doctor_selectors.doctor_list().order_by("pk")
    if (doctor_id := search.one("_id")) is not None:
        doctors = doctors.filter(pk=positive_id("_id", doctor_id))
    if (name := search.one("name")) is not None:
        doctors = checked(DoctorFilter({"search": name}, queryset=doctors), {"search": "name"}).qs
    return queryset_page(search, doctors)


def schedules(search: Search) -> tuple[list[Doctor], int]:
    doctors = doctor_selectors.doctor_list().order_by("pk")
    if (doctor_id := search.one("_id")) is not None:
        doctors = doctors.filter(pk=positive_id("_id", doctor_id))
    if (actor := reference_id("actor", search.one("actor"), "Practitioner")) is not None:
        doctors = doctors.filter(pk=actor)
    if (specialization := specialty_id("specialty", search.one("specialty"))) is not None:
        doctors = doctors.filter(specialization_id=specialization)
    return queryset_page(search, doctors)


def slots(search: Search) -> tuple[list[Slot], int]:
    given: dict[str, Any] = {
        "doctor": reference_id("schedule", search.one("schedule"), "Schedule"),
        "specialization": specialty_id("specialty", search.one("specialty")),
        "status": slot_status(search.one("status")),
    }
    after, before = search.window("start")
    given.update(start_after=after, start_before=before)
    if given["status"] is UNUSED:
        return [], 0
    filter_input = {name: (v.isoformat() if hasattr(v, "isoformat") else v) for name, v in given.items()}
    # The REST search's own validation (window at most 366 days, in order), then its one statement.
    checked(
        SlotFilter({k: v for k, v in filter_input.items() if v is not None}, queryset=Slot.objects.none()),
        SLOT_PARAM_NAMES,
    )
    return slot_page(search, doctor_selectors.SlotSearch(**given))


def slot_status(code: str | None) -> object:
    if code is None:
        return None
    ours = {fhir: status for status, fhir in FHIR_SLOT_STATUS.items()}
    if code in ours:
        return ours[code]
    if code in SLOT_CODES:
        return UNUSED
    raise invalid("status", f"Use one of {', '.join(SLOT_CODES)}.")


def appointments(search: Search, user: User) -> tuple[list[Appointment], int]:
    """The appointments ``user`` may see (the REST selector), filtered by the REST filterset."""
    given: dict[str, int | str | None] = {
        "patient": reference_id("patient", search.one("patient"), "Patient"),
        "doctor": reference_id("practitioner", search.one("practitioner"), "Practitioner"),
    }
    after, before = search.window("date")
    given.update(start_after=after.isoformat() if after else None, start_before=before.isoformat() if before else None)
    visible = appointment_selectors.appointments_visible_to(user)
    visible = checked(
        AppointmentFilter({k: v for k, v in given.items() if v is not None}, queryset=visible),
        APPOINTMENT_PARAM_NAMES,
    ).qs
    if (codes := search.params.get("status")) is not None:
        # As the status reads now (an expired hold is cancelled), like the REST filter.
        now = timezone.now()
        visible = visible.filter(
            functools.reduce(operator.or_, (status_filter(s, now) for s in appointment_statuses(codes)), Q(pk__in=[]))
        )
    return queryset_page(search, visible)


def appointment_statuses(codes: list[str]) -> list[str]:
    ours = {fhir: status for status, fhir in FHIR_APPOINTMENT_STATUS.items()}
    wanted = [code.strip() for value in codes for code in value.split(",")]
    for code in wanted:
        if code not in APPOINTMENT_CODES:
            raise invalid("status", f"Use one of {', '.join(APPOINTMENT_CODES)}.")
    return [ours[code] for code in wanted if code in ours]


def free_slot(slot_id: int) -> Slot:
    """The slot of a proposed Appointment, while it is free."""
    slot = doctor_selectors.slot_list().filter(pk=slot_id, status=SlotStatus.FREE).first()
    if slot is None:
        raise NotFound("This proposed appointment's slot is no longer free.")
    return slot


def bookable_slots(search: Search, start: datetime.datetime, end: datetime.datetime) -> tuple[list[Slot], int]:
    """``$find``: the free slots of ``[start, end)`` still to come, by the REST search's validation and statement."""
    window = {"start_after": start.isoformat(), "start_before": end.isoformat()}
    checked(SlotFilter(window, queryset=Slot.objects.none()), {"start_after": "start", "start_before": "end"})
    start = max(start, timezone.now())  # only slots still to come are offered
    slot_search = doctor_selectors.SlotSearch(
        doctor=reference_id("practitioner", search.one("practitioner"), "Practitioner"),
        specialization=specialty_id("specialty", search.one("specialty")),
        status=SlotStatus.FREE,
        start_after=start,
        start_before=end,
    )
    if start >= end:  # a window in the past: nothing to offer
        return [], 0
    return slot_page(search, slot_search)
