import multiprocessing
from urllib.parse import urlencode

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from scheduler.throttles import AddressRateThrottle

pytestmark = pytest.mark.django_db


def form_post(client, path, data):
    """POST as an HTML form / Swagger UI's OAuth2 dialog does: application/x-www-form-urlencoded."""
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


TOKEN = "/api/auth/token/"
OAUTH2 = "/api/auth/oauth2/token/"
REFRESH = "/api/auth/token/refresh/"
REGISTER = "/api/auth/register/"


def attempt(client, email, password="wrong-password", **extra):
    return client.post(TOKEN, {"email": email, "password": password}, format="json", **extra)


class TestLoginLockout:
    def test_an_account_is_locked_after_five_failures_even_for_the_right_password(self, api_client):
        user = UserFactory(email="ada@example.org")
        for n in range(4):
            assert attempt(api_client, "ADA@example.org" if n % 2 else user.email).status_code == 401
        locked = attempt(api_client, user.email)
        assert locked.status_code == 429
        assert int(locked["Retry-After"]) == 15 * 60
        assert locked.json()["code"] == "too_many_attempts"
        assert attempt(api_client, user.email, DEFAULT_PASSWORD).status_code == 429

    def test_the_lockout_does_not_say_whether_the_account_exists(self, api_client):
        UserFactory(email="somebody@example.org")
        for _ in range(5):
            attempt(api_client, "nobody@example.org")
            attempt(api_client, "somebody@example.org")
        a, b = attempt(api_client, "nobody@example.org"), attempt(api_client, "somebody@example.org")
        assert a.status_code == b.status_code == 429 and a.json() == b.json()

    def test_a_lockout_from_one_address_does_not_lock_the_owner_out_elsewhere(self, api_client):
        user = UserFactory()
        for _ in range(5):
            attempt(api_client, user.email, REMOTE_ADDR="203.0.113.9")
        assert attempt(api_client, user.email, DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
        assert attempt(api_client, user.email, DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 200

    def test_an_account_failing_from_many_addresses_is_locked_everywhere(self, api_client, settings):
        settings.ACCOUNT_FAILURE_LIMIT = 12
        user = UserFactory()
        for n in range(12):
            attempt(api_client, user.email, REMOTE_ADDR=f"198.51.100.{n // 4}")
        response = attempt(api_client, user.email, DEFAULT_PASSWORD, REMOTE_ADDR="192.0.2.200")
        assert response.status_code == 429
        assert "Retry-After" in response

    def test_spraying_many_accounts_from_one_address_is_throttled(self, api_client, monkeypatch):
        monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "login", "10/min")
        statuses = [
            attempt(api_client, f"guess{n}@example.org", REMOTE_ADDR="203.0.113.5").status_code for n in range(11)
        ]
        assert statuses == [401] * 10 + [429]
        assert attempt(api_client, "other@example.org", REMOTE_ADDR="203.0.113.6").status_code == 401

    def test_a_success_before_the_limit_resets_the_count(self, api_client):
        user = UserFactory()
        for _ in range(4):
            attempt(api_client, user.email)
        assert attempt(api_client, user.email, DEFAULT_PASSWORD).status_code == 200
        for _ in range(4):
            assert attempt(api_client, user.email).status_code == 401

    def test_the_address_comes_from_the_trusted_proxy_not_the_spoofable_leftmost_entry(self, api_client, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        user = UserFactory()
        for n in range(5):
            attempt(api_client, user.email, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.50")
        spoofed = attempt(api_client, user.email, DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77, 192.0.2.50")
        assert spoofed.status_code == 429
        other_client = attempt(api_client, user.email, DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.51")
        assert other_client.status_code == 200

    def test_rate_limits_off_turns_the_lockout_off(self, api_client, settings):
        settings.RATE_LIMITS = False
        settings.AXES_ENABLED = False
        user = UserFactory()
        for _ in range(10):
            assert attempt(api_client, user.email).status_code == 401
        assert attempt(api_client, user.email, DEFAULT_PASSWORD).status_code == 200


def _fail_logins_in_child(email: str, times: int, queue) -> None:
    try:
        client = APIClient()
        queue.put([attempt(client, email).status_code for _ in range(times)])
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lockout_holds_across_server_processes():
    user = UserFactory()
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_fail_logins_in_child, args=(user.email, 3, queue)) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    statuses = sorted(s for _ in children for s in queue.get(timeout=5))
    # The 5th failure locks, wherever it lands: at most 4 wrong-password answers in all. Two failures
    # recorded at the same moment may both see the limit reached (seen once in CI: 3 x 401, 3 x 429);
    # locking one attempt early under a race is the safe side.
    assert len(statuses) == 6 and set(statuses) == {401, 429}
    assert 3 <= statuses.count(401) <= 4, statuses
    assert attempt(APIClient(), user.email, DEFAULT_PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (TOKEN, {"email": "a@example.org", "password": "x", "remember": True}),
        (REFRESH, {"refresh": "x", "access": "y"}),
    ],
)
def test_unknown_fields_in_sign_in_bodies_are_400(api_client, path, body):
    response = api_client.post(path, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == set(body) - {"email", "password", "refresh"}


class TestRegistrationRate:
    def body(self, n):
        return {
            "email": f"p{n}@example.org",
            "password": "a-long-passphrase-1",
            "first_name": "A",
            "last_name": "B",
            "phone": "+14155550123",
            "date_of_birth": "1990-01-01",
        }

    def test_registrations_from_one_address_are_limited(self, api_client):
        statuses = [api_client.post(REGISTER, self.body(n), format="json").status_code for n in range(11)]
        assert statuses == [201] * 10 + [429]

    def test_rate_limits_off_lets_a_reception_desk_register_many(self, api_client, settings):
        settings.RATE_LIMITS = False
        statuses = [api_client.post(REGISTER, self.body(n), format="json").status_code for n in range(12)]
        assert statuses == [201] * 12


class TestPasswordChange:
    def test_changing_the_password_revokes_every_earlier_token(self, api_client):
        user = UserFactory()
        old = api_client.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json").json()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
        body = {"old_password": DEFAULT_PASSWORD, "new_password": "brand-new-passphrase-2"}
        response = client.post("/api/auth/password/", body, format="json")
        assert response.status_code == 200
        assert client.get("/api/auth/me/").status_code == 401
        assert api_client.post(REFRESH, {"refresh": old["refresh"]}, format="json").status_code == 401
        fresh = APIClient()
        fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        assert fresh.get("/api/auth/me/").status_code == 200

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"old_password": "wrong", "new_password": "brand-new-passphrase-2"}, "old_password"),
            ({"old_password": DEFAULT_PASSWORD, "new_password": "short"}, "new_password"),
            ({"old_password": DEFAULT_PASSWORD}, "new_password"),
        ],
    )
    def test_wrong_current_or_weak_new_password_is_400(self, body, field, client_for):
        user = UserFactory()
        response = client_for(user).post("/api/auth/password/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_guessing_the_current_password_is_locked_out_too(self, client_for):
        user = UserFactory()
        client = client_for(user)
        body = {"old_password": "guess", "new_password": "brand-new-passphrase-2"}
        statuses = [client.post("/api/auth/password/", body, format="json").status_code for _ in range(6)]
        assert statuses == [400] * 4 + [429, 429]
        assert (
            client.post("/api/auth/password/", {**body, "old_password": DEFAULT_PASSWORD}, format="json").status_code
            == 429
        )

    def test_unknown_fields_are_400_and_change_nothing(self, client_for):
        user = UserFactory()
        body = {"old_password": DEFAULT_PASSWORD, "new_password": "brand-new-passphrase-2", "keep_sessions": True}
        response = client_for(user).post("/api/auth/password/", body, format="json")
        assert response.status_code == 400
        assert response.json() == {"keep_sessions": ["This field cannot be set here."]}
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_needs_a_signed_in_user(self, api_client):
        assert api_client.post("/api/auth/password/", {}, format="json").status_code == 401


def test_deactivation_in_the_admin_revokes_refresh_and_access_tokens(client, admin_user, api_client):
    user = UserFactory()
    pair = api_client.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json").json()
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(is_active="", groups=[], user_permissions=[], date_joined_0="2026-01-01", date_joined_1="00:00:00")
    data["is_active"] = ""
    client.post(f"/admin/accounts/user/{user.pk}/change/", {k: v for k, v in data.items() if k != "is_active"})
    user.refresh_from_db()
    assert not user.is_active
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    assert BlacklistedToken.objects.filter(token__user=user).exists()
    access = APIClient()
    access.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert access.get("/api/auth/me/").status_code == 401
