"""Encrypted model fields (Fernet, AES-128-CBC + HMAC-SHA256) with key rotation.

``FIELD_ENCRYPTION_KEY`` holds one or more comma-separated Fernet keys: the first encrypts, every one
decrypts (``MultiFernet``), so a key is rotated by prepending a new one; ``manage.py reencrypt_fields``
then moves every stored value to it, after which the old key can be removed. Two traps of other packages are
closed on purpose:

* a wrong or missing key fails loudly (``InvalidToken`` is raised, never the ciphertext returned);
* Fernet is randomized, so equality lookups could never match: every lookup except ``isnull`` is refused
  with a ``FieldError`` instead of silently matching nothing.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must hold url-safe base64 Fernet keys.") from exc


def fernet() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set.")
    return _fernet(keys)


@cache
def _primary(key: str) -> Fernet:
    return Fernet(key.strip().encode())


def is_under_first_key(token: str) -> bool:
    """Whether ``token`` was encrypted with the first key (its HMAC is checked; nothing is decrypted)."""
    fernet()  # the same configuration errors as everywhere else
    try:
        _primary(settings.FIELD_ENCRYPTION_KEYS[0]).extract_timestamp(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """``token``'s value encrypted again with the first key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("A stored encrypted value could not be decrypted with any configured key.") from exc


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored encrypted value could not be decrypted: FIELD_ENCRYPTION_KEY does not hold its key."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token; the empty string is stored as is."""

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # Django raises FieldError("Unsupported lookup ...")

    def get_transform(self, name):
        return None
