"""Create demo data for a newcomer (`make run`): only what is missing, and print the logins.

Departments, specializations, three doctors with two weeks of free weekday hours, a patient, an admin.
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
from doctors import services as doctor_services
from doctors.models import Department, Doctor, Slot, Specialization
from patients import services as patient_services

DEPARTMENTS = ["Internal Medicine", "Surgery", "Pediatrics"]
SPECIALIZATIONS = ["Cardiology", "Dermatology", "General Practice", "Pediatrics"]
DOCTORS = [
    ("dr.house@demo.clinic", "Gregory", "House", "General Practice", "Internal Medicine"),
    ("dr.grey@demo.clinic", "Meredith", "Grey", "Cardiology", "Surgery"),
    ("dr.ross@demo.clinic", "Doug", "Ross", "Pediatrics", "Pediatrics"),
]
PATIENT_EMAIL = "patient@demo.clinic"
ADMIN_EMAIL = "admin@demo.clinic"


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
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(ADMIN_EMAIL, password, first_name="Demo", last_name="Admin")
            created.append(("admin", ADMIN_EMAIL))
        published = self._publish_two_weeks()
        self._report(created, password)
        if published:
            self.stdout.write(f"Published {published} free one-hour slots over the next two weeks.")

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

    def _report(self, created: list[tuple[str, str]], password: str) -> None:
        if not created:
            self.stdout.write("Demo data already present; passwords unchanged.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts created (password shown once):"))
        for role, email in created:
            self.stdout.write(f"  {role:8} {email}  password: {password}")
        self.stdout.write(f"Sign in at /docs/ (Authorize) or /admin/ ({Role.ADMIN} account).")
