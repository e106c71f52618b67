import unicodedata

import idna
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


def profile_owner_error(user: "User", role: str) -> str | None:
    """Why ``user`` cannot own a ``role`` profile (a doctor's or a patient's), or None if they can.

    The services and the admin forms ask the same question; the database's (user, user_role) foreign
    key is the final guard.
    """
    if user.role == role:
        return None
    return f"This user's role is {user.role}; only a {role}-role user can own a {role} profile."


def normalize_email(email: str) -> str:
    """The form an email is stored and compared in: NFKC, trimmed and lower-cased, the domain IDNA-mapped.

    NFKC folds compatibility forms (full-width letters, ligatures) into the plain ones, so a look-alike
    of a taken address is the taken address, and its owner signs in with whichever form they type. The
    domain goes through IDNA's UTS-46 mapping as DNS would resolve it (``。`` is a dot, ``xn--`` labels
    are their Unicode form) and loses a trailing dot. Never raises: an address that cannot be mapped is
    left for ``validate_email_characters`` to refuse.
    """
    email = unicodedata.normalize("NFKC", email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    return f"{local}@{_normalize_domain(domain)}" if at else email


_IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # UTS-46 label separators


def _normalize_domain(domain: str) -> str:
    domain = domain.translate(_IDNA_DOTS).rstrip(".")
    if domain.startswith("[") or (domain.isascii() and "xn--" not in domain) or _has_invisible(domain):
        # A literal address; a plain ASCII name (nothing to map); or invisible characters, which
        # UTS-46 would silently drop but which are refused instead, with a message saying why.
        return domain
    try:
        return idna.decode(idna.encode(domain, uts46=True))
    except (idna.IDNAError, UnicodeError):
        return domain


# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): drawn as nothing. Some are
# letters or marks (U+3164, variation selectors), so the category test alone does not catch them.
_INVISIBLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
INVISIBLE_CHARACTERS = "Email addresses may not contain invisible, space or control characters."
INVALID_DOMAIN = "The domain of this email address is not a valid internationalised domain name."
MIXED_SCRIPTS = "Each part of an email address's domain must be written in one script (not, say, Latin and Cyrillic)."
NOT_NORMALIZED = "This email address has no stable lower-case form; please write it differently."

# Scripts that one label may mix: Japanese writes Han, Hiragana and Katakana together, Korean Han and Hangul.
_SCRIPT_GROUPS = {"CJK": "CJK", "HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "IDEOGRAPHIC": "CJK"}


def _has_invisible(value: str) -> bool:
    return any(
        unicodedata.category(char)[0] in "CZ" or any(low <= ord(char) <= high for low, high in _INVISIBLE)
        for char in value
    )


def _scripts(label: str) -> set[str]:
    """The scripts of a label's letters, by the first word of their Unicode names (LATIN, CYRILLIC, ...).

    A simple stand-in for the Unicode Script property, which Python's ``unicodedata`` lacks.
    """
    scripts = set()
    for char in label:
        if unicodedata.category(char)[0] == "L":
            word = unicodedata.name(char, "UNKNOWN").split()[0].split("-")[0]
            scripts.add(_SCRIPT_GROUPS.get(word, word))
    return scripts


def validate_email_characters(value: str) -> None:
    """Refuse invisible characters anywhere, and domains that are not IDNA-valid or mix scripts in a label.

    Invisible means control, format (zero-width, bidi), unassigned, space and other default-ignorable
    characters. A label mixing scripts (``еxample`` with a Cyrillic ``е``) is the classic look-alike;
    a label wholly in one script that looks like another (all-Cyrillic ``ехамрlе``) is not caught.
    """
    if _has_invisible(value or ""):
        raise ValidationError(INVISIBLE_CHARACTERS, code="invalid")
    if normalize_email(value) == value != unicodedata.normalize("NFKC", value).lower():
        # Stored as it is, yet not what the database's check (migration 0005) demands: NFKC and
        # lower-casing undo each other for a few letters (Cherokee), and UTS-46 case-folds them upwards.
        raise ValidationError(NOT_NORMALIZED, code="invalid")
    domain = (value or "").rpartition("@")[2].translate(_IDNA_DOTS).rstrip(".")
    if not domain or domain.startswith("[") or (domain.isascii() and "xn--" not in domain):
        return
    try:
        unicode_domain = idna.decode(idna.encode(domain, uts46=True))
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValidationError(INVALID_DOMAIN, code="invalid") from exc
    if any(len(_scripts(label)) > 1 for label in unicode_domain.split(".")):
        raise ValidationError(MIXED_SCRIPTS, code="invalid")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> "User":
        if "\x00" in (username or ""):  # PostgreSQL cannot even compare it; no address has one
            raise self.model.DoesNotExist
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
    def initials(self) -> str:
        """ "J. D." for Jane Doe ("" without names): how a patient is named where the full name would say too
        much (a doctor's emails and calendar feed)."""
        return " ".join(f"{part[0].upper()}." for part in (self.first_name, self.last_name) if part)

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_doctor(self) -> bool:
        return self.role == Role.DOCTOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
