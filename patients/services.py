"""Patient commands."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User, profile_owner_error
from accounts.services import create_account
from patients.models import Patient, PatientAccessLog
from scheduler.audit import append_reads
from scheduler.exceptions import PermissionDenied


def check_date_of_birth(date_of_birth: datetime.date) -> None:
    """A date of birth is not in the future (the admin form asks first, so that it is a form error)."""
    if date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": ["Date of birth cannot be in the future."]})


def lock_patient(patient_id: int) -> None:
    """The first lock of every command on a patient's appointments (and on their records).

    FOR NO KEY UPDATE, like every command's lock: commands exclude each other, but the FOR KEY SHARE lock a
    foreign-key check takes at commit (an appointment referencing this patient) does not wait for it.
    """
    Patient.objects.select_for_update(no_key=True).filter(pk=patient_id).values_list("pk").first()


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
    check_date_of_birth(date_of_birth)
    user = create_account(email=email, password=password, first_name=first_name, last_name=last_name, role=Role.PATIENT)
    return add_patient_profile(
        user=user,
        phone=phone,
        date_of_birth=date_of_birth,
        insurance_name=insurance_name,
        insurance_number=insurance_number,
    )


@transaction.atomic
def add_patient_profile(
    *,
    user: User,
    phone: str,
    date_of_birth: datetime.date,
    insurance_name: str = "",
    insurance_number: str = "",
) -> Patient:
    """Give an existing patient-role account its profile (the admin's "add patient").

    Only a patient-role user may own one; the database's (user, user_role) foreign key is the final guard.
    """
    if refusal := profile_owner_error(user, Role.PATIENT):
        raise ValidationError({"user": [refusal]})
    if Patient.objects.filter(user=user).exists():
        raise ValidationError({"user": ["This user already has a patient profile."]})
    check_date_of_birth(date_of_birth)
    patient = Patient(
        user=user,
        phone=phone,
        date_of_birth=date_of_birth,
        insurance_name=insurance_name,
        insurance_number=insurance_number,
    )
    patient.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:  # the role changed, or a profile was added, meanwhile
        refused = "This user cannot own a patient profile (their role changed, or they have one)."
        raise ValidationError({"user": [refused]}) from exc
    return patient


USER_FIELDS = {"first_name", "last_name"}
PROFILE_FIELDS = {"phone", "date_of_birth", "insurance_name", "insurance_number"}


@transaction.atomic
def update_patient(*, patient: Patient, by: User, **changes: object) -> Patient:
    """Change a patient's name, contact or insurance details: only the patient or an admin may."""
    if not (by.is_admin or patient.user_id == by.pk):
        raise PermissionDenied("Only the patient or an admin can change this profile.")
    unknown = set(changes) - USER_FIELDS - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    date_of_birth = changes.get("date_of_birth")
    if isinstance(date_of_birth, datetime.date):
        check_date_of_birth(date_of_birth)
    # Re-read under the patient's lock (the first lock of every command on a patient) and write only the
    # changed columns: saving the caller's copy whole would undo a concurrent change to another field.
    patient = Patient.objects.select_for_update(no_key=True, of=("self",)).select_related("user").get(pk=patient.pk)
    user = patient.user
    user_changes = sorted(USER_FIELDS & set(changes))
    profile_changes = sorted(PROFILE_FIELDS & set(changes))
    for name in user_changes:
        setattr(user, name, changes[name])
    for name in profile_changes:
        setattr(patient, name, changes[name])
    if user_changes:
        user.save(update_fields=user_changes)
    patient.full_clean()
    patient.save(update_fields=[*profile_changes, "updated_at"])
    return patient


def log_profile_access(*, user: User, patients: Iterable[Patient], action: str, ip: str | None) -> None:
    """Audit a read of patient profiles (one entry per profile, one INSERT; repeated reads coalesce)."""
    append_reads(
        PatientAccessLog,
        object_field="patient",
        object_ids=(p.pk for p in patients),
        user_id=user.pk,
        action=action,
        ip=ip,
    )
