"""Create demo data for a newcomer (`make run`): only what is missing, and print the logins.

Departments, specializations, three doctors with two weeks of free weekday hours, patients, an admin, and
visits today (some checked in, the rest to come) so that the admin's dashboard has something to show.
"""

import datetime
import os
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from appointments import services as appointment_services
from doctors import services as doctor_services
from doctors.models import Department, Doctor, Slot, Specialization
from patients import services as patient_services
from patients.models import Patient
from scheduler.exceptions import ApplicationError

DEPARTMENTS = ["Internal Medicine", "Surgery", "Pediatrics"]
SPECIALIZATIONS = ["Cardiology", "Dermatology", "General Practice", "Pediatrics"]
DOCTORS = [
    ("dr.house@demo.clinic", "Gregory", "House", "General Practice", "Internal Medicine"),
    ("dr.grey@demo.clinic", "Meredith", "Grey", "Cardiology", "Surgery"),
    ("dr.ross@demo.clinic", "Doug", "Ross", "Pediatrics", "Pediatrics"),
]
PATIENT_EMAIL = "patient@demo.clinic"
ADMIN_EMAIL = "admin@demo.clinic"
# More patients, so that the doctors' visits today at the same hour are each someone else's.
VISITORS = [("ann.walker@demo.clinic", "Ann", "Walker"), ("ben.early@demo.clinic", "Ben", "Early")]
VISITS_TODAY = 3  # per doctor, from the next full hour (the first of each checked in)


class Command(BaseCommand):
    help = "Create demo departments, specializations, doctors, a patient and an admin, if missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD"),
            help="Password for new demo accounts (default: $DEMO_PASSWORD, else a random one printed once).",
        )

    @transaction.atomic
    def handle(self, *args, password: str | None, **options):
        password = password or secrets.token_urlsafe(12)
        created: list[tuple[str, str]] = []
        departments = {name: Department.objects.get_or_create(name=name)[0] for name in DEPARTMENTS}
        specializations = {name: Specialization.objects.get_or_create(name=name)[0] for name in SPECIALIZATIONS}
        for email, first, last, specialization, department in DOCTORS:
            if not User.objects.filter(email=email).exists():
                doctor_services.create_doctor(
                    email=email,
                    password=password,
                    first_name=first,
                    last_name=last,
                    specialization=specializations[specialization],
                    department=departments[department],
                    phone="+4930901820",
                )
                created.append(("doctor", email))
        if not User.objects.filter(email=PATIENT_EMAIL).exists():
            patient_services.register_patient(
                email=PATIENT_EMAIL,
                password=password,
                first_name="Pat",
                last_name="Demo",
                phone="+14155550123",
                date_of_birth=datetime.date(1990, 5, 17),
                insurance_name="Demo Health",
                insurance_number="DEMO-0001",
            )
            created.append(("patient", PATIENT_EMAIL))
        for email, first, last in VISITORS:
            if not User.objects.filter(email=email).exists():
                patient_services.register_patient(
                    email=email,
                    password=password,
                    first_name=first,
                    last_name=last,
                    phone="+14155550124",
                    date_of_birth=datetime.date(1985, 1, 2),
                )
                created.append(("patient", email))
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(ADMIN_EMAIL, password, first_name="Demo", last_name="Admin")
            created.append(("admin", ADMIN_EMAIL))
        published = self._publish_two_weeks()
        booked, checked_in = self._visits_today()
        self._report(created, password)
        if published:
            self.stdout.write(f"Published {published} free one-hour slots over the next two weeks.")
        if booked:
            self.stdout.write(f"Booked {booked} visits today ({checked_in} checked in): see the dashboard at /admin/.")

    def _publish_two_weeks(self) -> int:
        """Weekdays 09:00-17:00 clinic time for the next two weeks, for demo doctors with no future slot."""
        tz = ZoneInfo(settings.CLINIC_TIME_ZONE)
        tomorrow = timezone.now().astimezone(tz).date() + datetime.timedelta(days=1)
        until = tomorrow + datetime.timedelta(days=13)
        published = 0
        for doctor in Doctor.objects.filter(user__email__in=[d[0] for d in DOCTORS]):
            if Slot.objects.filter(doctor=doctor, start__gt=timezone.now()).exists():
                continue
            for offset in range(7):
                day = tomorrow + datetime.timedelta(days=offset)
                if day.weekday() >= 5:
                    continue
                start = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz)
                result = doctor_services.publish_availability(
                    doctor=doctor,
                    by=doctor.user,
                    start=start,
                    end=start + datetime.timedelta(hours=8),
                    repeat_weekly_until=until,
                    time_zone=settings.CLINIC_TIME_ZONE,
                )
                published += len(result.slots)
        return published

    def _visits_today(self) -> tuple[int, int]:
        """A few visits from the next full hour today (clinic time), booked and checked in at the front desk by
        the demo admin, through the services. Only if the demo doctors have no slot today yet; none when the
        clinic's day has no whole hour left."""
        tz = ZoneInfo(settings.CLINIC_TIME_ZONE)
        now = timezone.now().astimezone(tz)
        today = now.date()
        day_start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
        day_end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        doctors = list(Doctor.objects.filter(user__email__in=[d[0] for d in DOCTORS]).select_related("user"))
        if Slot.objects.filter(doctor__in=doctors, start__gte=day_start, start__lt=day_end).exists():
            return 0, 0
        first = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
        hours = min(VISITS_TODAY, int((day_end - first).total_seconds() // 3600))
        if hours < 1:
            return 0, 0
        desk = User.objects.get(email=ADMIN_EMAIL)
        patients = list(
            Patient.objects.filter(user__email__in=[PATIENT_EMAIL, *(v[0] for v in VISITORS)]).order_by("pk")
        )
        booked = checked_in = 0
        for i, doctor in enumerate(doctors):
            slots = doctor_services.publish_availability(
                doctor=doctor, by=desk, start=first, end=first + datetime.timedelta(hours=hours)
            ).slots
            for k, slot in enumerate(slots):
                try:
                    visit = appointment_services.book_appointment(
                        patient=patients[(i + k) % len(patients)], slot_id=slot.pk, by=desk
                    )
                    booked += 1
                    if k == 0:
                        appointment_services.check_in_appointment(appointment=visit, by=desk)
                        checked_in += 1
                except ApplicationError:  # a demo patient booked that hour themselves: leave the slot free
                    continue
        return booked, checked_in

    def _report(self, created: list[tuple[str, str]], password: str) -> None:
        if not created:
            self.stdout.write("Demo data already present; passwords unchanged.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts created (password shown once):"))
        for role, email in created:
            self.stdout.write(f"  {role:8} {email}  password: {password}")
        self.stdout.write(f"Sign in at /docs/ (Authorize) or /admin/ ({Role.ADMIN} account).")
