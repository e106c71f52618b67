import threading
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services
from accounts.models import Role
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def form_post(client, path, data):
    """POST as an HTML form / Swagger UI's OAuth2 dialog does: application/x-www-form-urlencoded."""
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
OAUTH2 = "/api/auth/oauth2/token/"
ME = "/api/auth/me/"


def login(client, email, password=DEFAULT_PASSWORD):
    return client.post(TOKEN, {"email": email, "password": password}, format="json")


class TestTokenObtain:
    def test_right_password_gives_access_and_refresh(self, api_client):
        user = UserFactory()
        response = login(api_client, user.email)
        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}
        assert response["Cache-Control"] == "no-store"
        me = APIClient()
        me.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        assert me.get(ME).json()["email"] == user.email

    def test_email_is_matched_case_insensitively(self, api_client):
        UserFactory(email="ada@example.org")
        assert login(api_client, "ADA@Example.org").status_code == 200

    def test_wrong_password_is_401_with_the_same_message_as_an_unknown_email(self, api_client):
        user = UserFactory()
        wrong = login(api_client, user.email, "not-the-password")
        unknown = login(api_client, "nobody@example.org")
        assert wrong.status_code == unknown.status_code == 401
        assert (
            wrong.json()
            == unknown.json()
            == {
                "detail": "No active account found with the given credentials.",
                "code": "invalid_credentials",
            }
        )

    def test_inactive_user_cannot_sign_in(self, api_client):
        user = UserFactory(is_active=False)
        assert login(api_client, user.email).status_code == 401

    def test_missing_fields_are_named(self, api_client):
        response = api_client.post(TOKEN, {"email": "a@example.org"}, format="json")
        assert response.status_code == 400
        assert "password" in response.json()


class TestRefresh:
    def test_rotation_refuses_the_old_refresh_token(self, api_client):
        user = UserFactory()
        first = login(api_client, user.email).json()
        rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
        assert rotated.status_code == 200
        assert rotated.json()["refresh"] != first["refresh"]
        again = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
        assert again.status_code == 401
        assert again.json()["code"] == "token_not_valid"
        assert api_client.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json").status_code == 200

    def test_refresh_for_a_deleted_user_is_401_not_500(self, api_client):
        user = UserFactory()
        refresh = login(api_client, user.email).json()["refresh"]
        user.delete()
        assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401

    def test_refresh_for_a_deactivated_user_is_401(self, api_client):
        user = UserFactory()
        refresh = login(api_client, user.email).json()["refresh"]
        user.is_active = False
        user.save()
        assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401

    def test_garbage_refresh_token_is_401(self, api_client):
        assert api_client.post(REFRESH, {"refresh": "not.a.jwt"}, format="json").status_code == 401

    def test_an_access_token_is_not_accepted_as_a_refresh_token(self, api_client):
        user = UserFactory()
        access = login(api_client, user.email).json()["access"]
        assert api_client.post(REFRESH, {"refresh": access}, format="json").status_code == 401

    def test_password_change_revokes_refresh_and_access_tokens(self, api_client):
        user = UserFactory()
        pair = login(api_client, user.email).json()
        services.change_password(user=user, new_password="an-entirely-new-password-7")
        assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
        old = APIClient()
        old.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert old.get(ME).status_code == 401
        assert login(api_client, user.email, "an-entirely-new-password-7").status_code == 200

    def test_password_set_outside_the_service_still_invalidates_refresh(self, api_client):
        user = UserFactory()
        refresh = login(api_client, user.email).json()["refresh"]
        user.set_password("changed-in-the-admin-42")
        user.save()
        assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_refreshes_with_one_token_let_only_one_through():
    user = UserFactory()
    refresh = services.issue_tokens(user=user).refresh
    threads, results, barrier = [], [], threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            results.append(APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code)
        finally:
            connection.close()

    for _ in range(8):
        threads.append(threading.Thread(target=worker))
        threads[-1].start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [401] * 7


class TestLogout:
    def test_logout_revokes_the_refresh_token(self, api_client, client_for):
        user = UserFactory()
        pair = login(api_client, user.email).json()
        client = client_for(user)
        assert client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
        assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401

    def test_logout_needs_a_signed_in_user(self, api_client):
        user = UserFactory()
        pair = login(api_client, user.email).json()
        assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 401

    def test_cannot_revoke_someone_elses_refresh_token(self, api_client, client_for):
        victim, attacker = UserFactory(), UserFactory()
        pair = login(api_client, victim.email).json()
        response = client_for(attacker).post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401
        assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 200


class TestOAuth2PasswordGrant:
    def test_password_grant_answers_as_rfc_6749(self, api_client):
        user = UserFactory()
        response = form_post(
            api_client, OAUTH2, {"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 15 * 60
        assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
        assert response["Cache-Control"] == "no-store"
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
        assert client.get(ME).status_code == 200

    def test_wrong_password_is_invalid_grant(self, api_client):
        user = UserFactory()
        response = form_post(api_client, OAUTH2, {"grant_type": "password", "username": user.email, "password": "no"})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_unknown_grant_type_is_unsupported(self, api_client):
        response = form_post(api_client, OAUTH2, {"grant_type": "client_credentials"})
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"

    def test_missing_password_is_invalid_request(self, api_client):
        response = form_post(api_client, OAUTH2, {"grant_type": "password", "username": "a@example.org"})
        assert response.json()["error"] == "invalid_request"

    def test_refresh_token_grant_rotates(self, api_client):
        user = UserFactory()
        pair = services.issue_tokens(user=user)
        response = form_post(api_client, OAUTH2, {"grant_type": "refresh_token", "refresh_token": pair.refresh})
        assert response.status_code == 200
        again = form_post(api_client, OAUTH2, {"grant_type": "refresh_token", "refresh_token": pair.refresh})
        assert again.json()["error"] == "invalid_grant"


class TestMe:
    def test_me_describes_the_user(self, client_for):
        user = UserFactory(role=Role.ADMIN, first_name="Ada", last_name="Lovelace")
        body = client_for(user).get(ME).json()
        assert body == {
            "id": user.pk,
            "email": user.email,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "role": "admin",
            "patient_id": None,
            "doctor_id": None,
        }

    @pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc"])
    def test_unauthenticated_or_malformed_token_is_401(self, api_client, header):
        if header:
            api_client.credentials(HTTP_AUTHORIZATION=header)
        assert api_client.get(ME).status_code == 401

    @pytest.mark.parametrize(
        "claim", ["abc", "1.5", "", " 1", "\u0661", "9" * 30, 1.5, True, None, [1], {"id": 1}, -1, 0, 2**64]
    )
    def test_a_signed_token_with_a_malformed_user_id_is_401_not_500(self, api_client, claim):
        token = AccessToken.for_user(UserFactory())
        token[api_settings.USER_ID_CLAIM] = claim
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api_client.get(ME)
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    @pytest.mark.parametrize("as_text", [False, True])
    def test_a_user_id_claim_as_a_number_or_its_digits_is_accepted(self, api_client, as_text):
        user = UserFactory()
        token = AccessToken.for_user(user)
        token[api_settings.USER_ID_CLAIM] = str(user.pk) if as_text else user.pk
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api_client.get(ME).json()["id"] == user.pk

    def test_deactivated_users_access_token_stops_at_once(self, client_for):
        user = UserFactory()
        client = client_for(user)
        user.is_active = False
        user.save()
        assert client.get(ME).status_code == 401


class TestMalformedInput:
    def test_bad_json_is_400(self, api_client):
        response = api_client.post(TOKEN, data="{not json", content_type="application/json")
        assert response.status_code == 400

    def test_wrong_content_type_is_415(self, api_client):
        response = api_client.post(TOKEN, data="email=a", content_type="text/plain")
        assert response.status_code == 415

    def test_nul_byte_in_a_string_is_400(self, api_client):
        response = api_client.post(TOKEN, {"email": "a\x00@example.org", "password": "x"}, format="json")
        assert response.status_code == 400
        assert "email" in response.json()

    def test_body_that_is_a_list_is_400(self, api_client):
        response = api_client.post(TOKEN, [1, 2], format="json")
        assert response.status_code == 400


class TestOperations:
    def test_healthz_ok(self, api_client):
        response = api_client.get("/healthz/")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_healthz_503_when_the_database_does_not_answer(self, api_client, monkeypatch):
        from django.db import OperationalError

        def broken_cursor(*args, **kwargs):
            raise OperationalError("connection refused")

        monkeypatch.setattr(connection, "cursor", broken_cursor)
        response = api_client.get("/healthz/")
        assert response.status_code == 503

    def test_docs_and_redoc_are_served_from_local_static_files(self, api_client):
        for name in ("swagger-ui", "redoc"):
            response = api_client.get(reverse(name))
            assert response.status_code == 200
            html = response.content.decode()
            assert "/static/drf_spectacular_sidecar/" in html
            assert "https://" not in html and "http://" not in html

    def test_sidecar_static_asset_is_served(self, client):
        from django.contrib.staticfiles import finders

        assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")

    def test_schema_is_valid_openapi_3(self, api_client):
        response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        schema = response.json()
        validate(schema)
        assert schema["openapi"].startswith("3.")
        schemes = schema["components"]["securitySchemes"]
        assert schemes["oauth2"]["flows"]["password"]["tokenUrl"] == "/api/auth/oauth2/token/"
        assert schemes["jwtAuth"]["scheme"] == "bearer"
