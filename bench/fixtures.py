"""What the scenarios need from the database, and putting it back afterwards (Django must be set up).

Every booking goes into a *lane*: one patient and a run of free future slots of one doctor. A patient
is in at most one lane and a slot in at most one lane, so the booking storm's requests never compete
and a patient's appointments never overlap. The hot-slot lane is the exception by design: many
patients, the same few slots.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from accounts.models import User
from accounts.services import issue_tokens
from appointments.invariants import invariant_violations
from appointments.services import book_appointment
from patients.models import Patient
from scheduler.fields import encrypt

BENCH_PATIENT = "bench-patient-%%@bench.test"
BENCH_DOCTOR = "bench-doctor-%%@bench.test"
WORST_CASE = "Bench Worst Case"
TYPICAL = "Bench Specialization 1"
# Slots that start this soon are left alone: booking needs a future slot, and the run takes minutes.
LEAD = "2 hours"

BENCH_APPOINTMENTS = f"""
    SELECT a.id, a.slot_id FROM appointments_appointment a
    JOIN patients_patient p ON p.id = a.patient_id JOIN accounts_user u ON u.id = p.user_id
    WHERE u.email LIKE '{BENCH_PATIENT}'
"""


@dataclass(frozen=True)
class Lane:
    patient_id: int
    user_id: int
    doctor_id: int
    slot_ids: list[int] = field(default_factory=list)


class OutOfSlots(RuntimeError):
    pass


class Allocator:
    """Hands out unused bench patients and runs of consecutive free slots, doctor after doctor.

    Doctors of the worst-case and of the typical search specialization are never booked, so the
    search scenarios see the seeded data whatever ran before them.
    """

    def __init__(self) -> None:
        self._patients = self._bench_patients()
        with connection.cursor() as cur:
            cur.execute(
                f"""
                SELECT d.id FROM doctors_doctor d
                JOIN accounts_user u ON u.id = d.user_id
                JOIN doctors_specialization s ON s.id = d.specialization_id
                WHERE u.email LIKE '{BENCH_DOCTOR}' AND s.name NOT IN (%s, %s) ORDER BY d.id
                """,
                [WORST_CASE, TYPICAL],
            )
            self._doctors = iter([row[0] for row in cur.fetchall()])
        self._doctor_id = 0
        self._free: list[int] = []

    @staticmethod
    def _bench_patients() -> Iterator[tuple[int, int]]:
        last = 0
        while True:
            with connection.cursor() as cur:
                cur.execute(
                    f"""
                    SELECT p.id, p.user_id FROM patients_patient p JOIN accounts_user u ON u.id = p.user_id
                    WHERE u.email LIKE '{BENCH_PATIENT}' AND u.is_active AND p.id > %s ORDER BY p.id LIMIT 500
                    """,
                    [last],
                )
                rows = cur.fetchall()
            if not rows:
                raise OutOfSlots("not enough bench patients: seed more with --patients")
            yield from rows
            last = rows[-1][0]

    def patient(self) -> tuple[int, int]:
        """An unused bench patient: (patient id, user id)."""
        return next(self._patients)

    def slots(self, count: int) -> tuple[int, list[int]]:
        """``count`` consecutive free future slots of one doctor: (doctor id, slot ids earliest first)."""
        while len(self._free) < count:
            self._doctor_id = next(self._doctors, 0)
            if not self._doctor_id:
                raise OutOfSlots(
                    f"no bench doctor has {count} free future slots left: lower --duration or the maxima, "
                    "or re-seed (the seeded year of slots runs out)"
                )
            with connection.cursor() as cur:
                cur.execute(
                    f"""SELECT id FROM doctors_slot WHERE doctor_id = %s AND status = 'free'
                        AND start > now() + interval '{LEAD}' ORDER BY start""",
                    [self._doctor_id],
                )
                self._free = [row[0] for row in cur.fetchall()]
        taken, self._free = self._free[:count], self._free[count:]
        return self._doctor_id, taken

    def lane(self, count: int) -> Lane:
        patient_id, user_id = self.patient()
        doctor_id, slot_ids = self.slots(count)
        return Lane(patient_id=patient_id, user_id=user_id, doctor_id=doctor_id, slot_ids=slot_ids)


def lock_database_for_this_run() -> None:
    """A session advisory lock, so that two benchmark runs never share a database (each cleans up
    bench bookings); released when this process's connection closes."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext('bench.run'))")
        if not cur.fetchone()[0]:
            raise SystemExit("Another benchmark run is using this database; wait for it to finish.")


def access_tokens(user_ids: list[int]) -> dict[int, str]:
    """A JWT access token per user, issued as the login endpoint would (the run's secret signs them)."""
    users = User.objects.filter(pk__in=user_ids)
    return {user.pk: issue_tokens(user=user).access for user in users}


def encrypt_with_this_runs_key(patient_ids: list[int]) -> None:
    """Re-encrypt these bench patients' insurance fields with this run's FIELD_ENCRYPTION_KEY.

    Each run generates its own key, so data encrypted by the seed (or by an earlier run) cannot be
    read; the booking view loads the patient profile, insurance fields included.
    """
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE patients_patient SET insurance_name = %s, insurance_number = %s WHERE id = ANY(%s)",
            [encrypt("BENCH-INSURANCE"), encrypt("BENCH-INSURANCE"), patient_ids],
        )


def book_directly(lanes: list[Lane]) -> int:
    """Book every slot of every lane through the booking service, for scenarios that read appointments."""
    booked = 0
    for lane in lanes:
        patient = Patient.objects.select_related("user").get(pk=lane.patient_id)  # after re-encryption
        for slot_id in lane.slot_ids:
            book_appointment(patient=patient, slot_id=slot_id, by=patient.user)
            booked += 1
    return booked


def live_appointments(slot_ids: list[int]) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM appointments_appointment WHERE slot_id = ANY(%s) "
            "AND status IN ('scheduled', 'completed', 'no_show')",
            [slot_ids],
        )
        return cur.fetchone()[0]


def appointments_of(patient_ids: list[int]) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM appointments_appointment WHERE patient_id = ANY(%s)", [patient_ids])
        return cur.fetchone()[0]


def scheduled_appointments_of(patient_ids: list[int]) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM appointments_appointment WHERE patient_id = ANY(%s) AND status = 'scheduled'",
            [patient_ids],
        )
        return cur.fetchone()[0]


def violations() -> dict[str, int]:
    return invariant_violations()


@transaction.atomic
def remove_bench_appointments() -> int:
    """Delete every appointment of a bench patient (and its events) and free its slot: the seeded state.

    Run before the scenarios (a run that was killed leaves its bookings) and after them. Bench patients
    exist only in the bench databases, so nothing else is touched. Invariants hold afterwards: the
    freed slots are exactly those whose live appointment was deleted.
    """
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE bench_gone ON COMMIT DROP AS {BENCH_APPOINTMENTS}", [])
        # Their notifications (and those rows' tasks), and their events: the events table is append-only
        # by trigger, switched off for this transaction only (the bench connects as the table's owner).
        cur.execute(
            """
            DELETE FROM django_tasks_database_dbtaskresult t USING notifications_notification n
            WHERE n.appointment_id IN (SELECT id FROM bench_gone)
              AND t.args_kwargs->'kwargs'->>'notification_id' = n.id::text
            """
        )
        cur.execute("DELETE FROM notifications_notification WHERE appointment_id IN (SELECT id FROM bench_gone)")
        cur.execute(
            "ALTER TABLE appointments_appointmentevent DISABLE TRIGGER appointments_appointmentevent_append_only"
        )
        cur.execute("DELETE FROM appointments_appointmentevent WHERE appointment_id IN (SELECT id FROM bench_gone)")
        cur.execute(
            "ALTER TABLE appointments_appointmentevent ENABLE TRIGGER appointments_appointmentevent_append_only"
        )
        cur.execute("DELETE FROM appointments_appointment WHERE id IN (SELECT id FROM bench_gone)")
        removed = cur.rowcount
        cur.execute(
            """
            UPDATE doctors_slot s SET status = 'free' WHERE s.id IN (SELECT slot_id FROM bench_gone)
              AND s.status IN ('booked', 'held') AND NOT EXISTS (
                SELECT 1 FROM appointments_appointment a
                WHERE a.slot_id = s.id AND a.status <> 'cancelled')
            """
        )
    return removed


def remove_bench_tokens() -> int:
    """Delete the refresh-token records that issuing the runs' access tokens left for bench patients."""
    with connection.cursor() as cur:
        cur.execute(
            f"""
            DELETE FROM token_blacklist_outstandingtoken o USING accounts_user u
            WHERE o.user_id = u.id AND u.email LIKE '{BENCH_PATIENT}'
              AND NOT EXISTS (SELECT 1 FROM token_blacklist_blacklistedtoken b WHERE b.token_id = o.id)
            """,
            [],
        )
        return cur.rowcount


def remove_bench_idempotency_keys() -> int:
    """Delete the Idempotency-Key answers the hold + confirm scenario stored for bench patients."""
    with connection.cursor() as cur:
        cur.execute(
            f"""
            DELETE FROM scheduler_idempotencykey k USING accounts_user u
            WHERE k.user_id = u.id AND u.email LIKE '{BENCH_PATIENT}'
            """,
            [],
        )
        return cur.rowcount


def vacuum() -> None:
    """VACUUM ANALYZE the tables bookings write, as autovacuum would eventually: bookings and their
    clean-up clear pages' all-visible bits, and the slot search is an index-only scan that relies on them.

    INDEX_CLEANUP ON: after a few hundred updates VACUUM would otherwise skip the index pass, and the
    pages that keep dead line pointers stay not all-visible (heap fetches in the search's plan)."""
    with connection.cursor() as cur:
        for table in ("doctors_slot", "appointments_appointment", "appointments_appointmentevent"):
            cur.execute(f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {table}")


def database_facts() -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM doctors_slot), (SELECT count(*) FROM doctors_slot WHERE status = 'free'), "
            "(SELECT count(*) FROM doctors_doctor), (SELECT count(*) FROM patients_patient), "
            "(SELECT count(*) FROM appointments_appointment)"
        )
        slots, free, doctors, patients, appointments = cur.fetchone()
    return {"slots": slots, "free_slots": free, "doctors": doctors, "patients": patients, "appointments": appointments}


def specialization_id(name: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM doctors_specialization WHERE name = %s", [name])
        row = cur.fetchone()
    if row is None:
        raise RuntimeError(f"specialization {name!r} missing: is the database seeded by bench.seed?")
    return row[0]
