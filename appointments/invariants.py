"""The booking invariants as SQL, for tests and the benchmark to check after any amount of concurrency.

Statuses come from the model's constants (parameters, not literals), so a new status takes its place in
every check: one that holds its slot joins ``LIVE_STATUSES`` and is counted here at once.
"""

from django.db import connection

from appointments.models import LIVE_STATUSES, AppointmentStatus
from doctors.models import SlotStatus

PARAMS = {
    "live": tuple(status.value for status in LIVE_STATUSES),
    "scheduled": AppointmentStatus.SCHEDULED.value,
    "booked": SlotStatus.BOOKED.value,
    "free": SlotStatus.FREE.value,
}

INVARIANTS = {
    "slot_with_two_live_appointments": """
        SELECT count(*) FROM (
            SELECT slot_id FROM appointments_appointment
            WHERE status IN %(live)s GROUP BY slot_id HAVING count(*) > 1
        ) t
    """,
    "slot_status_disagrees_with_appointments": """
        SELECT count(*) FROM doctors_slot s
        WHERE (s.status = %(booked)s) <> EXISTS (
            SELECT 1 FROM appointments_appointment a
            WHERE a.slot_id = s.id AND a.status IN %(live)s)
    """,
    "patient_with_overlapping_scheduled_appointments": """
        SELECT count(*) FROM appointments_appointment a JOIN appointments_appointment b
          ON a.patient_id = b.patient_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
        WHERE a.status = %(scheduled)s AND b.status = %(scheduled)s
    """,
    # Search does not read accounts: a deactivated doctor's future slots must not be free at all.
    "free_future_slot_of_inactive_doctor": """
        SELECT count(*) FROM doctors_slot s
          JOIN doctors_doctor d ON d.id = s.doctor_id JOIN accounts_user u ON u.id = d.user_id
        WHERE s.status = %(free)s AND NOT u.is_active AND s.start > now()
    """,
}


def invariant_violations() -> dict[str, int]:
    """Each invariant's number of violating rows; all zeros when the data is consistent."""
    with connection.cursor() as cursor:
        result = {}
        for name, sql in INVARIANTS.items():
            cursor.execute(sql, PARAMS)
            result[name] = cursor.fetchone()[0]
    return result
