"""Patient commands."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import create_account
from patients.models import Patient, PatientAccessLog
from scheduler.audit import append_reads


def _check_date_of_birth(date_of_birth: datetime.date) -> None:
    if date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": ["Date of birth cannot be in the future."]})


@transaction.atomic
def register_patient(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str,
    date_of_birth: datetime.date,
    insurance_name: str = "",
    insurance_number: str = "",
) -> Patient:
    """Create a patient user and their profile together: both or neither."""
    _check_date_of_birth(date_of_birth)
    user = create_account(email=email, password=password, first_name=first_name, last_name=last_name,
                          role=Role.PATIENT)  # fmt: skip
    patient = Patient(
        user=user,
        phone=phone,
        date_of_birth=date_of_birth,
        insurance_name=insurance_name,
        insurance_number=insurance_number,
    )
    patient.full_clean()
    patient.save()
    return patient


USER_FIELDS = {"first_name", "last_name"}
PROFILE_FIELDS = {"phone", "date_of_birth", "insurance_name", "insurance_number"}


@transaction.atomic
def update_patient(*, patient: Patient, **changes) -> Patient:
    """Change a patient's name, contact or insurance details."""
    unknown = set(changes) - USER_FIELDS - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    if "date_of_birth" in changes:
        _check_date_of_birth(changes["date_of_birth"])
    user = patient.user
    for name in USER_FIELDS & set(changes):
        setattr(user, name, changes[name])
    for name in PROFILE_FIELDS & set(changes):
        setattr(patient, name, changes[name])
    if USER_FIELDS & set(changes):
        user.save(update_fields=[*sorted(USER_FIELDS & set(changes))])
    patient.full_clean()
    patient.save()
    return patient


def log_profile_access(*, user: User, patients: Iterable[Patient], action: str, ip: str | None) -> None:
    """Audit a read of patient profiles (one entry per profile, one INSERT; repeated reads coalesce)."""
    append_reads(
        PatientAccessLog, object_field="patient", object_ids=(p.pk for p in patients), user_id=user.pk,
        action=action, ip=ip,
    )  # fmt: skip
