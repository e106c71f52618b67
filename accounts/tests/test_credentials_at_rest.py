"""No stored value signs anyone in: refresh tokens are not kept, session keys are kept only hashed."""

import contextlib
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.sessions import SessionStore, stored_key
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
no_credentials_migration = importlib.import_module("accounts.migrations.0003_no_credentials_in_clear")


def raw_outstanding_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM token_blacklist_outstandingtoken")
        return [row[0] for row in cursor.fetchall()]


class TestRefreshTokens:
    def test_a_signed_in_users_refresh_token_is_not_stored_and_still_works(self, api_client):
        user = UserFactory()
        pair = api_client.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json").json()
        assert raw_outstanding_tokens() == [""]
        rotated = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        assert rotated.status_code == 200
        assert set(raw_outstanding_tokens()) == {""}
        # The rotated-away token is refused: the blacklist works by jti alone.
        assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401

    def test_none_of_simplejwts_own_paths_stores_the_token(self):
        user = UserFactory()
        RefreshToken.for_user(user)
        unrecorded = RefreshToken()  # outstand() and blacklist() create the row when it is missing
        unrecorded["user_id"] = str(user.pk)
        unrecorded.outstand()
        other = RefreshToken()
        other["user_id"] = str(user.pk)
        other.blacklist()
        assert OutstandingToken.objects.count() == 3
        assert set(raw_outstanding_tokens()) == {""}
        assert BlacklistedToken.objects.filter(token__jti=other["jti"]).exists()

    @pytest.mark.postgres
    def test_the_database_refuses_a_stored_token(self):
        row = OutstandingToken.objects.create(jti="j1", expires_at="2030-01-01T00:00:00Z", user=UserFactory())
        with pytest.raises(IntegrityError), transaction.atomic():
            OutstandingToken.objects.filter(pk=row.pk).update(token="eyJhbGciOi.a.b")

    @pytest.mark.postgres
    def test_the_migration_blanks_tokens_stored_before_it(self):
        user = UserFactory()
        token = RefreshToken.for_user(user)
        # SQLite's schema editor cannot open inside the test's transaction; the migration only runs
        # SQL on PostgreSQL, elsewhere it needs no more than the editor's connection.
        sqlite_editor = contextlib.nullcontext(SimpleNamespace(connection=connection))
        with connection.schema_editor() if connection.vendor == "postgresql" else sqlite_editor as editor:
            no_credentials_migration.backwards(django_apps, editor)
        OutstandingToken.objects.update(token=str(token))
        with connection.schema_editor() as editor:
            no_credentials_migration.forwards(django_apps, editor)
        assert raw_outstanding_tokens() == [""]
        # Issued before the change, the token still refreshes: nobody is signed out by it.
        assert Client().post(REFRESH, {"refresh": str(token)}, content_type="application/json").status_code == 200


class TestAdminSessions:
    @pytest.fixture
    def staff(self):
        return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)

    def sign_in(self, staff) -> tuple[Client, str]:
        client = Client()
        response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client, client.cookies["sessionid"].value

    def test_the_session_table_holds_a_hash_of_the_key_not_the_key(self, staff):
        client, key = self.sign_in(staff)
        assert client.get("/admin/").status_code == 200
        assert not Session.objects.filter(session_key=key).exists()
        assert list(Session.objects.values_list("session_key", flat=True)) == [stored_key(key)]

    def test_the_stored_value_does_not_sign_anyone_in(self, staff):
        self.sign_in(staff)
        thief = Client()
        thief.cookies["sessionid"] = Session.objects.get().session_key
        response = thief.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_logout_deletes_the_session(self, staff):
        client, key = self.sign_in(staff)
        assert client.post("/admin/logout/").status_code == 200
        assert not Session.objects.exists()
        assert client.get("/admin/").status_code == 302

    def test_the_migration_deletes_sessions_keyed_in_clear(self):
        Session.objects.create(session_key="k" * 32, session_data="", expire_date="2030-01-01T00:00:00Z")
        # SQLite's schema editor cannot open inside the test's transaction; the migration only runs
        # SQL on PostgreSQL, elsewhere it needs no more than the editor's connection.
        sqlite_editor = contextlib.nullcontext(SimpleNamespace(connection=connection))
        with connection.schema_editor() if connection.vendor == "postgresql" else sqlite_editor as editor:
            no_credentials_migration.backwards(django_apps, editor)
            no_credentials_migration.forwards(django_apps, editor)
        assert not Session.objects.exists()

    def test_clearsessions_removes_expired_sessions_and_keeps_the_others(self):
        expired, current = SessionStore(), SessionStore()
        for store, expiry in ((expired, -60), (current, 3600)):
            store["who"] = "someone"
            store.set_expiry(expiry)
            store.save()
        call_command("clearsessions")
        assert list(Session.objects.values_list("session_key", flat=True)) == [stored_key(current.session_key)]
        assert SessionStore(session_key=current.session_key).load() == {"who": "someone", "_session_expiry": 3600}
        assert SessionStore(session_key=expired.session_key).load() == {}
