"""Create demo data for a newcomer (`make run`): only what is missing, and print the logins."""

import datetime
import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Role, User
from doctors import services as doctor_services
from doctors.models import Department, Specialization
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
        self._report(created, password)

    def _report(self, created: list[tuple[str, str]], password: str) -> None:
        if not created:
            self.stdout.write("Demo data already present; passwords unchanged.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts created (password shown once):"))
        for role, email in created:
            self.stdout.write(f"  {role:8} {email}  password: {password}")
        self.stdout.write(f"Sign in at /docs/ (Authorize) or /admin/ ({Role.ADMIN} account).")
