"""Emails stored before normalisation are normalised by migration 0005; PostgreSQL keeps them so."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0005_normalized_emails")


def store_raw(user, email: str) -> None:
    """What an older version could store: no normalisation, no validation."""
    User.objects.filter(pk=user.pk).update(email=email)


def editor():
    """All the migration's functions use of a schema editor; SQLite's cannot open inside a test's transaction."""
    return SimpleNamespace(connection=connection, execute=lambda sql: connection.cursor().execute(sql))


def migrate_again() -> None:
    migration.normalize_stored_emails(django_apps, editor())


@pytest.fixture
def without_check():
    migration.drop_check(django_apps, editor())


def test_the_migration_normalises_stored_addresses(without_check, api_client):
    bob, ann = UserFactory(), UserFactory()
    store_raw(bob, "Bob@ｅxample.org")
    store_raw(ann, "ann@xn--bcher-kva.de.")
    migrate_again()
    assert set(User.objects.values_list("email", flat=True)) == {"bob@example.org", "ann@bücher.de"}
    body = {"email": "bob@ｅxample.org", "password": DEFAULT_PASSWORD}
    assert api_client.post("/api/auth/token/", body, format="json").status_code == 200


def test_the_migration_stops_on_collisions_and_names_the_accounts_not_their_addresses(without_check):
    first, second, alone = UserFactory(email="bob@example.org"), UserFactory(), UserFactory()
    store_raw(second, "bob@ｅxample.org")
    store_raw(alone, "Alone@Example.org")
    with pytest.raises(RuntimeError) as refused:
        migrate_again()
    message = str(refused.value)
    assert f"users {first.pk}, {second.pk} share one address" in message
    assert "bob@" not in message
    # Nothing was half-written: the migration stopped before changing any row.
    assert User.objects.get(pk=alone.pk).email == "Alone@Example.org"


@pytest.mark.postgres
@pytest.mark.parametrize("email", ["Bob@example.org", "bob@ｅxample.org", "ＢＯＢ@example.org"])
def test_the_database_refuses_an_address_that_is_not_normalised(email):
    user = UserFactory()
    with pytest.raises(IntegrityError, match="accounts_user_email_normalized"), transaction.atomic():
        store_raw(user, email)


@pytest.mark.postgres
def test_the_database_accepts_every_normalised_address():
    for email in ["zoe@bücher.de", "ken@例え.テスト", "ada@example.org"]:
        UserFactory(email=email)
    assert User.objects.count() == 3
