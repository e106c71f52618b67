import pytest
from django.core.management import call_command
from django.db import IntegrityError

from accounts.models import Role, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_normalizes_email_to_lower_case():
    user = User.objects.create_user("Ada@Example.ORG ", "pw-long-enough-1")
    assert user.email == "ada@example.org"
    assert User.objects.get_by_natural_key("ADA@example.org") == user


def test_email_is_unique_case_insensitively_in_the_database():
    UserFactory(email="ada@example.org")
    with pytest.raises(IntegrityError):
        # Bypasses normalization on purpose: the constraint on lower(email) must still refuse it.
        User.objects.bulk_create([User(email="ADA@example.org", password="x")])


def test_role_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="x@example.org", password="x", role="superhero")])


def test_createsuperuser_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password-1")
    call_command("createsuperuser", "--no-input", "--email", "Boss@Example.org")
    user = User.objects.get(email="boss@example.org")
    assert user.role == Role.ADMIN
    assert user.is_staff and user.is_superuser
    assert user.check_password("a-long-admin-password-1")
