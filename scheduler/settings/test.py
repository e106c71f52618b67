"""Test settings: the base settings with throwaway keys, fast hashing and plain static storage."""

import os
import secrets

from cryptography.fernet import Fernet

# Fresh keys per test run, put in the environment so that subprocesses of the run share them.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
# Two keys so that rotation is exercised: the first encrypts, both decrypt.
os.environ.setdefault("FIELD_ENCRYPTION_KEY", f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}")
os.environ.setdefault("DJANGO_HTTPS", "off")

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "EMAIL_URL" not in os.environ:  # the worker tests give their subprocess workers an SMTP server
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Serve static files straight from the apps, as runserver does; no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
