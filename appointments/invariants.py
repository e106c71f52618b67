"""The booking invariants as SQL, for tests and the benchmark to check after any amount of concurrency."""

from django.db import connection

INVARIANTS = {
    "slot_with_two_live_appointments": """
        SELECT count(*) FROM (
            SELECT slot_id FROM appointments_appointment
            WHERE status <> 'cancelled' GROUP BY slot_id HAVING count(*) > 1
        ) t
    """,
    # free without a live appointment; held with a pending one; booked with another live one.
    "slot_status_disagrees_with_appointments": """
        SELECT count(*) FROM doctors_slot s
          LEFT JOIN appointments_appointment a ON a.slot_id = s.id AND a.status <> 'cancelled'
        WHERE s.status <> CASE WHEN a.id IS NULL THEN 'free' WHEN a.status = 'pending' THEN 'held' ELSE 'booked' END
    """,
    "patient_with_overlapping_scheduled_appointments": """
        SELECT count(*) FROM appointments_appointment a JOIN appointments_appointment b
          ON a.patient_id = b.patient_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
        WHERE a.status IN ('pending', 'scheduled', 'checked_in') AND b.status IN ('pending', 'scheduled', 'checked_in')
    """,
    "hold_expiry_set_unless_pending": """
        SELECT count(*) FROM appointments_appointment WHERE (status = 'pending') <> (hold_expires_at IS NOT NULL)
    """,
    # Search does not read accounts: a deactivated doctor's future slots must not be free at all.
    "free_future_slot_of_inactive_doctor": """
        SELECT count(*) FROM doctors_slot s
          JOIN doctors_doctor d ON d.id = s.doctor_id JOIN accounts_user u ON u.id = d.user_id
        WHERE s.status = 'free' AND NOT u.is_active AND s.start > now()
    """,
}


def invariant_violations() -> dict[str, int]:
    """Each invariant's number of violating rows; all zeros when the data is consistent."""
    with connection.cursor() as cursor:
        result = {}
        for name, sql in INVARIANTS.items():
            cursor.execute(sql)
            result[name] = cursor.fetchone()[0]
    return result
