"""Sign-in doors under bad input, a failing cache and hostile pages: a 4xx or a degraded limit, never a 500."""

import logging
from unittest import mock
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from scheduler.throttles import AddressRateThrottle

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
MALFORMED = {
    "nul": "a\x00b@x.org",
    "expands-past-254": "\ufdfa" * 200 + "@x.org",  # 206 characters typed, 3606 once NFKC-normalised
    "lowers-past-254": "\u0130" * 200 + "@x.org",  # within the admin form's limit; lower() doubles it
}


@pytest.fixture
def owner(db):
    return UserFactory(email="dr.house@example.org", is_staff=True)


def admin_sign_in(client, username: str, password: str, addr: str = "203.0.113.9"):
    body = urlencode({"username": username, "password": password, "next": "/admin/"})
    return client.post("/admin/login/", body, content_type=FORM, REMOTE_ADDR=addr)


@pytest.mark.parametrize("username", MALFORMED.values(), ids=MALFORMED.keys())
class TestMalformedUsernames:
    def test_the_api_answers_400_or_401(self, username):
        response = APIClient().post("/api/auth/token/", {"email": username, "password": "x"}, format="json")
        assert response.status_code in (400, 401)

    def test_the_oauth2_endpoint_answers_400(self, username):
        body = urlencode({"grant_type": "password", "username": username, "password": "x"})
        assert APIClient().post("/api/auth/oauth2/token/", body, content_type=FORM).status_code == 400

    def test_the_admin_form_shows_a_failed_sign_in_without_a_query(self, username, django_assert_num_queries):
        with django_assert_num_queries(0):
            response = admin_sign_in(Client(), username, "x")
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not AccessAttempt.objects.exists()

    def test_login_username_gives_the_placeholder(self, username):
        assert services.login_username(None, {"username": username}) == services.MALFORMED_USERNAME


class TestCacheOutage:
    """The device count and the admin rate limit live in the cache; while it fails, sign-in still works."""

    @pytest.fixture
    def broken_cache(self, caplog):
        caplog.set_level(logging.WARNING)
        return mock.Mock(**{"get.side_effect": ConnectionError("cache down"), "set.side_effect": ConnectionError})

    @staticmethod
    def our_warnings(caplog) -> str:
        return "\n".join(
            r.getMessage() for r in caplog.records if r.name in ("accounts.devices", "scheduler.throttles")
        )

    def test_the_api_treats_a_device_as_untrusted_and_still_signs_in(self, owner, broken_cache, caplog):
        device = APIClient()
        assert device.post("/api/auth/token/", {"email": owner.email, "password": DEFAULT_PASSWORD}).status_code == 200
        with mock.patch("accounts.devices.cache", broken_cache):
            # The device cookie is now sent: is_trusted and record_failure reach the failing cache.
            wrong = device.post("/api/auth/token/", {"email": owner.email, "password": "wrong"}, format="json")
            right = device.post("/api/auth/token/", {"email": owner.email, "password": DEFAULT_PASSWORD}, format="json")
        assert (wrong.status_code, right.status_code) == (401, 200)
        assert broken_cache.get.called
        warnings = self.our_warnings(caplog)
        assert "cache failed" in warnings and owner.email not in warnings

    def test_the_admin_rate_limit_fails_open(self, owner, broken_cache, caplog):
        client = Client()
        with (
            mock.patch("accounts.devices.cache", broken_cache),
            mock.patch.object(AddressRateThrottle, "cache", broken_cache),
        ):
            assert admin_sign_in(client, owner.email, "wrong").status_code == 200
            assert admin_sign_in(client, owner.email, DEFAULT_PASSWORD).status_code == 302
            # The axes lock (in the database) still applies.
            codes = [admin_sign_in(client, owner.email, "wrong", addr="192.0.2.7").status_code for _ in range(5)]
        assert codes == [200] * 4 + [429]
        warnings = self.our_warnings(caplog)
        assert "skipped: the cache failed" in warnings and "203.0.113.9" not in warnings

    def test_the_api_rate_limits_fail_open(self, owner, broken_cache, caplog):
        with mock.patch.object(AddressRateThrottle, "cache", broken_cache):
            signed_in = APIClient().post("/api/auth/token/", {"email": owner.email, "password": DEFAULT_PASSWORD})
            registered = APIClient().post("/api/auth/register/", {"email": "x"}, format="json")
        assert (signed_in.status_code, registered.status_code) == (200, 400)
        warnings = self.our_warnings(caplog)
        assert "'login' skipped: the cache failed" in warnings and "'register' skipped" in warnings


class TestAdminLoginResponses:
    def test_every_answer_is_marked_never_cache(self, owner, monkeypatch):
        monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "login", "1/min")
        client = Client()
        responses = [client.get("/admin/login/"), admin_sign_in(client, owner.email, "wrong")]
        responses.append(admin_sign_in(client, owner.email, "wrong"))
        assert [r.status_code for r in responses] == [200, 200, 429]
        for response in responses:
            assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]

    def test_only_posts_passing_the_csrf_check_count_towards_the_rate(self, owner, settings, monkeypatch):
        # Without the middleware, to show the admin login protects itself before it counts.
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "django.middleware.csrf.CsrfViewMiddleware"]
        monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "login", "3/min")
        hostile = Client(enforce_csrf_checks=True)  # a cross-site form: no token
        assert [admin_sign_in(hostile, owner.email, "wrong").status_code for _ in range(5)] == [403] * 5
        visitor = Client(enforce_csrf_checks=True)
        visitor.get("/admin/login/")
        token = visitor.cookies["csrftoken"].value
        body = urlencode({"username": owner.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token})
        response = visitor.post("/admin/login/?next=/admin/", body, content_type=FORM, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 302
