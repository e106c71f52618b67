"""Password guessing through every sign-in door: the API, the OAuth2 token endpoint and the admin form.

An attacker cycling addresses is slowed (the (account, address) lockout, then the account-wide limit),
and cannot keep the owner out: a client that signed in to the account before carries a device cookie
that exempts it from the account-wide limit.
"""

from urllib.parse import urlencode

import pytest
from django.core import signing
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from scheduler.throttles import AddressRateThrottle

pytestmark = pytest.mark.django_db

WRONG = "wrong-password"
FORM = "application/x-www-form-urlencoded"


def sign_in(door: str, client, email: str, password: str, addr: str) -> str:
    """'ok', 'wrong' or 'refused' (429), whatever the door's own status codes for them."""
    if door == "api":
        response = client.post(
            "/api/auth/token/", {"email": email, "password": password}, format="json", REMOTE_ADDR=addr
        )
        outcomes = {200: "ok", 401: "wrong"}
    elif door == "oauth2":
        body = urlencode({"grant_type": "password", "username": email, "password": password})
        response = client.post("/api/auth/oauth2/token/", body, content_type=FORM, REMOTE_ADDR=addr)
        outcomes = {200: "ok", 400: "wrong"}
    else:
        body = urlencode({"username": email, "password": password, "next": "/admin/"})
        response = client.post("/admin/login/", body, content_type=FORM, REMOTE_ADDR=addr)
        outcomes = {302: "ok", 200: "wrong"}
    if response.status_code == 429:
        assert int(response["Retry-After"]) > 0
        return "refused"
    return outcomes[response.status_code]


DOORS = pytest.mark.parametrize("door", ["api", "oauth2", "admin"])


@pytest.fixture
def owner(db):
    return UserFactory(email="dr.house@example.org", is_staff=True)


def attack(door: str, email: str, addresses: int, per_address: int = 5) -> list[str]:
    """Wrong passwords from many addresses, a fresh client (no cookies) each time."""
    return [
        sign_in(door, APIClient(), email, WRONG, f"198.51.100.{a}")
        for a in range(addresses)
        for _ in range(per_address)
    ]


@DOORS
def test_one_address_is_locked_out_of_an_account_after_five_failures(door, owner):
    client = APIClient()
    outcomes = [sign_in(door, client, owner.email, WRONG, "203.0.113.9") for _ in range(5)]
    assert outcomes == ["wrong"] * 4 + ["refused"]
    assert sign_in(door, client, owner.email, DEFAULT_PASSWORD, "203.0.113.9") == "refused"
    assert sign_in(door, APIClient(), owner.email, DEFAULT_PASSWORD, "192.0.2.20") == "ok"


@DOORS
def test_an_attacker_cycling_addresses_is_slowed_but_cannot_keep_the_owner_out(door, owner, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 15
    owners_device = APIClient()
    assert sign_in(door, owners_device, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == "ok"

    # Slowed: five failures per address (the fifth answers 429), fifteen for the account from all
    # addresses together; after that every client without the owner's cookie is refused, the right
    # password included.
    outcomes = attack(door, owner.email, addresses=4)
    assert outcomes == (["wrong"] * 4 + ["refused"]) * 3 + ["refused"] * 5
    assert sign_in(door, APIClient(), owner.email, DEFAULT_PASSWORD, "198.51.100.200") == "refused"

    # The owner's device still signs in, from home and from anywhere else.
    assert sign_in(door, owners_device, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == "ok"
    assert sign_in(door, owners_device, owner.email, DEFAULT_PASSWORD, "198.51.100.201") == "ok"


@DOORS
def test_the_device_cookie_works_in_a_new_session_of_the_same_browser(door, owner, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 10
    first = APIClient()
    assert sign_in(door, first, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == "ok"
    attack(door, owner.email, addresses=2)
    later = APIClient()  # no session; only the device cookie was kept
    later.cookies[settings.DEVICE_COOKIE_NAME] = first.cookies[settings.DEVICE_COOKIE_NAME].value
    assert sign_in(door, later, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == "ok"


def test_a_device_cookie_of_another_account_or_a_forged_one_does_not_exempt(owner, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 10
    attacker = UserFactory()
    own_cookie = APIClient()
    assert sign_in("api", own_cookie, attacker.email, DEFAULT_PASSWORD, "198.51.100.50") == "ok"
    attack("api", owner.email, addresses=2)
    assert sign_in("api", own_cookie, owner.email, DEFAULT_PASSWORD, "198.51.100.51") == "refused"
    forged = APIClient()
    forged.cookies[settings.DEVICE_COOKIE_NAME] = signing.dumps({"a": "0" * 32, "d": "x"}, salt="wrong-salt")
    assert sign_in("api", forged, owner.email, DEFAULT_PASSWORD, "198.51.100.52") == "refused"


def test_a_stolen_device_cookie_buys_five_guesses_not_more(owner, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 10
    device = APIClient()
    assert sign_in("api", device, owner.email, DEFAULT_PASSWORD, "192.0.2.10") == "ok"
    attack("api", owner.email, addresses=2)
    thief = APIClient()
    thief.cookies[settings.DEVICE_COOKIE_NAME] = device.cookies[settings.DEVICE_COOKIE_NAME].value
    # Different addresses each time: the (account, address) lockout never triggers, the device's own count does.
    outcomes = [sign_in("api", thief, owner.email, WRONG, f"203.0.113.{n}") for n in range(6)]
    assert outcomes == ["wrong"] * 5 + ["refused"]
    assert sign_in("api", thief, owner.email, DEFAULT_PASSWORD, "203.0.113.99") == "refused"


def test_the_lockout_is_shared_by_the_api_and_the_admin_form(owner):
    client = APIClient()
    for door in ["api", "oauth2", "admin", "api"]:
        assert sign_in(door, client, owner.email, WRONG, "203.0.113.9") == "wrong"
    assert sign_in("admin", client, owner.email, WRONG, "203.0.113.9") == "refused"


def test_the_admin_login_form_is_rate_limited_per_address(monkeypatch):
    monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "login", "10/min")
    outcomes = [sign_in("admin", APIClient(), f"guess{n}@example.org", WRONG, "203.0.113.5") for n in range(11)]
    assert outcomes == ["wrong"] * 10 + ["refused"]
    assert sign_in("admin", APIClient(), "other@example.org", WRONG, "203.0.113.6") == "wrong"
    assert APIClient().get("/admin/login/", REMOTE_ADDR="203.0.113.5").status_code == 200  # the form still shows


@DOORS
def test_rate_limits_off_turns_every_sign_in_limit_off(door, owner, settings, monkeypatch):
    settings.RATE_LIMITS = settings.AXES_ENABLED = False
    settings.ACCOUNT_FAILURE_LIMIT = 3
    monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "login", "3/min")
    client = APIClient()
    outcomes = [sign_in(door, client, owner.email, WRONG, "203.0.113.9") for _ in range(8)]
    assert outcomes == ["wrong"] * 8
    assert sign_in(door, client, owner.email, DEFAULT_PASSWORD, "203.0.113.9") == "ok"
