"""The booking invariants as SQL, for tests and the benchmark to check after any amount of concurrency.

Statuses come from the model's constants (parameters, not literals), so a new status takes its place in
every check: one that holds its slot joins ``LIVE_STATUSES`` and is counted here at once. The SQL runs
on PostgreSQL and SQLite alike (lists are spelled out as one parameter each, the clock is a parameter).
"""

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from appointments.models import LIVE_STATUSES, PATIENT_BUSY_STATUSES, AppointmentStatus
from doctors.models import SlotStatus


def _in(name: str, values: Iterable[str]) -> tuple[str, dict[str, str]]:
    """``(%(name0)s, %(name1)s, …)`` and its parameters: a list that every database driver accepts."""
    params = {f"{name}{i}": str(value) for i, value in enumerate(values)}
    return "(" + ", ".join(f"%({key})s" for key in params) + ")", params


LIVE, _live = _in("live", LIVE_STATUSES)
BUSY, _busy = _in("busy", PATIENT_BUSY_STATUSES)

PARAMS = {
    **_live,
    **_busy,
    "pending": AppointmentStatus.PENDING.value,
    "free": SlotStatus.FREE.value,
    "held": SlotStatus.HELD.value,
    "booked": SlotStatus.BOOKED.value,
}

# The f-strings below insert only the placeholder lists built by _in, never a value (S608 is a false alarm).
INVARIANTS = {
    "slot_with_two_live_appointments": f"""
        SELECT count(*) FROM (
            SELECT slot_id FROM appointments_appointment
            WHERE status IN {LIVE} GROUP BY slot_id HAVING count(*) > 1
        ) t
    """,  # noqa: S608
    # free without a live appointment; held with a pending one; booked with another live one.
    "slot_status_disagrees_with_appointments": f"""
        SELECT count(*) FROM doctors_slot s
          LEFT JOIN appointments_appointment a ON a.slot_id = s.id AND a.status IN {LIVE}
        WHERE s.status <> CASE WHEN a.id IS NULL THEN %(free)s
                               WHEN a.status = %(pending)s THEN %(held)s ELSE %(booked)s END
    """,  # noqa: S608
    "patient_with_overlapping_live_appointments": f"""
        SELECT count(*) FROM appointments_appointment a JOIN appointments_appointment b
          ON a.patient_id = b.patient_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
        WHERE a.status IN {BUSY} AND b.status IN {BUSY}
    """,  # noqa: S608
    "hold_expiry_set_unless_pending": """
        SELECT count(*) FROM appointments_appointment
        WHERE (status = %(pending)s) <> (hold_expires_at IS NOT NULL)
    """,
    # Search does not read accounts: a deactivated doctor's future slots must not be free at all.
    "free_future_slot_of_inactive_doctor": """
        SELECT count(*) FROM doctors_slot s
          JOIN doctors_doctor d ON d.id = s.doctor_id JOIN accounts_user u ON u.id = d.user_id
        WHERE s.status = %(free)s AND NOT u.is_active AND s.start > %(now)s
    """,
}


def invariant_violations() -> dict[str, int]:
    """Each invariant's number of violating rows; all zeros when the data is consistent."""
    with connection.cursor() as cursor:
        result = {}
        for name, sql in INVARIANTS.items():
            cursor.execute(sql, {**PARAMS, "now": timezone.now()})
            result[name] = cursor.fetchone()[0]
    return result
