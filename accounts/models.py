import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    DOCTOR = "doctor", "Doctor"
    ADMIN = "admin", "Admin"


def normalize_email(email: str) -> str:
    """The form an email is stored and compared in: NFKC, trimmed and lower-cased.

    NFKC folds compatibility forms (full-width letters, ligatures) into the plain ones, so a look-alike
    of a taken address is the taken address, and its owner signs in with whichever form they type.
    """
    return unicodedata.normalize("NFKC", email or "").strip().lower()


# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): drawn as nothing. Some are
# letters or marks (U+3164, variation selectors), so the category test alone does not catch them.
_INVISIBLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
INVISIBLE_CHARACTERS = "Email addresses may not contain invisible, space or control characters."


def validate_email_characters(value: str) -> None:
    """Refuse control, format (zero-width, bidi), unassigned, space and other invisible characters."""
    for char in value or "":
        code = ord(char)
        if unicodedata.category(char)[0] in "CZ" or any(low <= code <= high for low, high in _INVISIBLE):
            raise ValidationError(INVISIBLE_CHARACTERS, code="invalid")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email=normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with email and password; ``role`` decides what they may do."""

    email = models.EmailField(max_length=254, unique=True, validators=[validate_email_characters])
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"),
            # The key that doctor and patient profiles reference with (user_id, user_role): see
            # scheduler.migration_ops.profile_role_fk.
            models.UniqueConstraint(fields=["id", "role"], name="accounts_user_id_role_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean_fields(self, exclude=None) -> None:
        # Normalise first, so the validators and the uniqueness checks see the stored form.
        self.email = normalize_email(self.email)
        super().clean_fields(exclude)

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_doctor(self) -> bool:
        return self.role == Role.DOCTOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
