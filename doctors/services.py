"""Doctor, department and specialization commands."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accounts.models import Role, User, normalize_email
from doctors.models import Department, Doctor, Specialization
from scheduler.exceptions import PermissionDenied

EMAIL_TAKEN = "An account with this email already exists."


def _create_named(model: type[models.Model], name: str):
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["This field may not be blank."]})
    if model.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A {model._meta.verbose_name} with this name already exists."]})
    try:
        with transaction.atomic():
            return model.objects.create(name=name)
    except IntegrityError as exc:
        raise ValidationError({"name": [f"A {model._meta.verbose_name} with this name already exists."]}) from exc


def create_department(*, name: str) -> Department:
    return _create_named(Department, name)


def create_specialization(*, name: str) -> Specialization:
    return _create_named(Specialization, name)


@transaction.atomic
def create_doctor(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    specialization: Specialization,
    department: Department,
    phone: str = "",
    bio: str = "",
) -> Doctor:
    """Create a doctor's user account and profile together: both or neither."""
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": [EMAIL_TAKEN]})
    user = User(email=email, first_name=first_name, last_name=last_name, role=Role.DOCTOR)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    doctor = Doctor(user=user, phone=phone, specialization=specialization, department=department, bio=bio)
    doctor.full_clean()
    doctor.save()
    return doctor


USER_FIELDS = {"first_name", "last_name"}
PROFILE_FIELDS = {"phone", "bio", "availability_status", "specialization", "department"}
ADMIN_ONLY_FIELDS = {"specialization", "department"}


@transaction.atomic
def update_doctor(*, doctor: Doctor, by: User, **changes) -> Doctor:
    """Change a doctor's profile. Only an admin changes specialization and department."""
    unknown = set(changes) - USER_FIELDS - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    restricted = sorted(ADMIN_ONLY_FIELDS & set(changes))
    if restricted and not by.is_admin:
        raise PermissionDenied(f"Only an admin can change: {', '.join(restricted)}.")
    user = doctor.user
    user_changes = sorted(USER_FIELDS & set(changes))
    for name in user_changes:
        setattr(user, name, changes[name])
    for name in PROFILE_FIELDS & set(changes):
        setattr(doctor, name, changes[name])
    if user_changes:
        user.save(update_fields=user_changes)
    doctor.full_clean()
    doctor.save()
    return doctor
