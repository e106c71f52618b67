"""Seed a hospital-scale data set into the PostgreSQL database at DATABASE_URL, unless already there.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_bench python -m bench.seed --doctors 1000

Each doctor gets a year of weekday working hours (8 one-hour slots a day, about 2,000 slots), so 1,000
doctors make about 2 million slots. Rows are generated inside PostgreSQL with generate_series: seconds,
not minutes. One specialization ("Bench Worst Case") has doctors whose slots all start 30 days from now,
the worst case for "free slots of a specialization in the next 14 days".
"""

import argparse
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "on")
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from scheduler.fields import encrypt  # noqa: E402

BENCH_PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-not-secret")
DEPARTMENTS = 20
SPECIALIZATIONS = 40
WORST_CASE = "Bench Worst Case"


def seeded(doctors: int) -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM doctors_doctor d JOIN accounts_user u ON u.id = d.user_id "
            "WHERE u.email LIKE 'bench-doctor-%%'"
        )
        return cur.fetchone()[0] >= doctors


def seed(doctors: int, patients: int) -> None:
    password = make_password(BENCH_PASSWORD)
    insurance = encrypt("BENCH-INSURANCE")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO doctors_department (name, created_at, updated_at) "
            "SELECT 'Bench Department ' || g, now(), now() FROM generate_series(1, %s) g ON CONFLICT DO NOTHING",
            [DEPARTMENTS],
        )
        cur.execute(
            "INSERT INTO doctors_specialization (name, created_at, updated_at) "
            "SELECT 'Bench Specialization ' || g, now(), now() FROM generate_series(1, %s) g "
            "UNION ALL SELECT %s, now(), now() ON CONFLICT DO NOTHING",
            [SPECIALIZATIONS, WORST_CASE],
        )
        cur.execute(
            """
            INSERT INTO accounts_user (email, password, first_name, last_name, role, is_active, is_staff,
                                       is_superuser, date_joined)
            SELECT 'bench-doctor-' || g || '@bench.test', %s, 'Doc' || g, 'Bench', 'doctor', true, false, false, now()
            FROM generate_series(1, %s) g ON CONFLICT DO NOTHING
            """,
            [password, doctors],
        )
        # Every 50th doctor belongs to the worst-case specialization.
        cur.execute(
            """
            INSERT INTO doctors_doctor (user_id, phone, specialization_id, department_id, availability_status, bio,
                                        created_at, updated_at)
            SELECT u.id, '+4930901820',
                   CASE WHEN n %% 50 = 0 THEN (SELECT id FROM doctors_specialization WHERE name = %s)
                        ELSE (SELECT id FROM doctors_specialization WHERE name = 'Bench Specialization '
                              || (1 + n %% %s)) END,
                   (SELECT id FROM doctors_department WHERE name = 'Bench Department ' || (1 + n %% %s)),
                   'available', '', now(), now()
            FROM (SELECT id, substring(email from 'bench-doctor-(\\d+)@')::int AS n FROM accounts_user
                  WHERE email LIKE 'bench-doctor-%%') u
            WHERE NOT EXISTS (SELECT 1 FROM doctors_doctor d WHERE d.user_id = u.id)
            """,
            [WORST_CASE, SPECIALIZATIONS, DEPARTMENTS],
        )
        # A year of weekday hours from tomorrow, 08:00-16:00 UTC; the worst-case doctors start in 30 days.
        cur.execute(
            """
            INSERT INTO doctors_slot (doctor_id, specialization_id, department_id, start, "end", status, created_at)
            SELECT d.id, d.specialization_id, d.department_id, s.start, s.start + interval '1 hour', 'free', now()
            FROM doctors_doctor d
            JOIN doctors_specialization sp ON sp.id = d.specialization_id
            CROSS JOIN LATERAL (
                SELECT day + make_interval(hours => h) AS start
                FROM generate_series(date_trunc('day', now()) + interval '1 day',
                                     date_trunc('day', now()) + interval '365 days', interval '1 day') day,
                     generate_series(8, 15) h
                WHERE extract(isodow FROM day) < 6
            ) s
            WHERE NOT EXISTS (SELECT 1 FROM doctors_slot x WHERE x.doctor_id = d.id)
              AND (sp.name <> %s OR s.start >= now() + interval '30 days')
            """,
            [WORST_CASE],
        )
        cur.execute(
            """
            INSERT INTO accounts_user (email, password, first_name, last_name, role, is_active, is_staff,
                                       is_superuser, date_joined)
            SELECT 'bench-patient-' || g || '@bench.test', %s, 'Pat' || g, 'Bench', 'patient', true, false, false,
                   now()
            FROM generate_series(1, %s) g ON CONFLICT DO NOTHING
            """,
            [password, patients],
        )
        cur.execute(
            """
            INSERT INTO patients_patient (user_id, phone, date_of_birth, insurance_name, insurance_number,
                                          created_at, updated_at)
            SELECT u.id, '+14155550123', date '1980-01-01', %s, %s, now(), now()
            FROM accounts_user u WHERE u.email LIKE 'bench-patient-%%'
              AND NOT EXISTS (SELECT 1 FROM patients_patient p WHERE p.user_id = u.id)
            """,
            [insurance, insurance],
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # sets the visibility map, as autovacuum would, for index-only scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctors", type=int, default=1000)
    parser.add_argument("--patients", type=int, default=50_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark needs DATABASE_URL to point at PostgreSQL.")
    call_command("migrate", verbosity=0)
    if seeded(args.doctors):
        print("Bench data already present.")
        return
    began = time.monotonic()
    seed(args.doctors, args.patients)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM doctors_doctor), (SELECT count(*) FROM doctors_slot), "
            "(SELECT count(*) FROM patients_patient)"
        )
        doctors, slots, patients = cur.fetchone()
    print(f"Seeded {doctors} doctors, {slots} slots, {patients} patients in {time.monotonic() - began:.1f} s.")


if __name__ == "__main__":
    main()
