"""Look-alike emails: NFKC- and IDNA-normalised wherever an email is accepted; invisible characters and
domains mixing scripts refused.

A taken address cannot be registered again in a full-width form, with an IDNA dot variant or a trailing
dot, with a zero-width character or with a Cyrillic letter in its domain; a user signs in with the form
they typed.
"""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User, normalize_email, validate_email_characters
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TAKEN = "ada@example.org"
# Accepted by Django's EmailValidator (its domain pattern allows any character from U+00A1), so only
# this project's normalisation and validate_email_characters refuse them.
LOOKALIKES = [
    "ada@example.org\u200b",  # trailing zero-width space
    "ada@exa\u00admple.org",  # soft hyphen
    "ada@example.org\u202e",  # right-to-left override
    "ada@ｅｘａｍｐｌｅ.org",  # full-width domain
    "ａｄａ@example.org",  # full-width local part
    "ＡＤＡ@ＥＸＡＭＰＬＥ.ＯＲＧ",
    "ada@example.org\u3002",  # ideographic full stop: an IDNA dot, so a trailing dot
    "ada@example\uff0eorg",  # full-width full stop
    "ada@example.org.",  # trailing dot
    "ada@\u0435xample.org",  # Cyrillic е among Latin letters
    "ada@xn--xample-2of.org",  # the same, as an A-label
]
# Refused by Django's own validator (the local part must be ASCII) as well: tested against the new code.
INVISIBLE_IN_LOCAL_PART = [
    "\ufeffada@example.org",
    "ada\u2060@example.org",
    "ada\u3164@example.org",
    "ada@example.org\x7f",
]


USER_FORM = {
    "first_name": "A",
    "last_name": "B",
    "role": "patient",
    "password1": "a-long-passphrase-1",
    "password2": "a-long-passphrase-1",
    "usable_password": "true",
}


@pytest.fixture(autouse=True)
def taken(settings):
    settings.RATE_LIMITS = settings.AXES_ENABLED = False
    return UserFactory(email=TAKEN)


def registration(email: str) -> dict:
    return {
        "email": email,
        "password": "a-long-passphrase-1",
        "first_name": "A",
        "last_name": "B",
        "phone": "+14155550123",
        "date_of_birth": "1990-01-01",
    }


@pytest.mark.parametrize("email", LOOKALIKES)
def test_registration_refuses_a_lookalike_of_a_taken_address(api_client, email):
    response = api_client.post("/api/auth/register/", registration(email), format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", LOOKALIKES)
def test_an_admin_cannot_create_a_doctor_with_a_lookalike_address(admin_client, email):
    from doctors.tests.factories import DepartmentFactory, SpecializationFactory

    body = {
        "email": email,
        "password": "a-long-passphrase-1",
        "first_name": "N",
        "last_name": "N",
        "specialization": SpecializationFactory().pk,
        "department": DepartmentFactory().pk,
    }
    response = admin_client.post("/api/doctors/", body, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.filter(role="doctor").count() == 0


def test_a_full_width_address_is_stored_plain_and_signs_in_as_typed(api_client):
    created = api_client.post("/api/auth/register/", registration("ＢＥＮ@ｅｘａｍｐｌｅ.org"), format="json")
    assert created.status_code == 201
    assert created.json()["email"] == "ben@example.org"
    for typed in ["ＢＥＮ@ｅｘａｍｐｌｅ.org", "ben@example.org", " Ben@Example.org "]:
        body = {"email": typed, "password": "a-long-passphrase-1"}
        assert api_client.post("/api/auth/token/", body, format="json").status_code == 200, typed


@pytest.mark.parametrize("email", LOOKALIKES)
def test_the_admin_user_form_refuses_a_lookalike_of_a_taken_address(client, admin_user, email):
    client.force_login(admin_user)
    body = {"email": email, **USER_FORM}
    response = client.post("/admin/accounts/user/add/", body)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert User.objects.count() == 2  # the taken one and the admin


def test_the_admin_user_form_stores_a_full_width_address_plain(client, admin_user, api_client):
    client.force_login(admin_user)
    body = {"email": "ＢＥＮ@example.org", **USER_FORM}
    assert client.post("/admin/accounts/user/add/", body).status_code == 302
    assert User.objects.filter(email="ben@example.org").exists()
    signed_in = api_client.post("/api/auth/token/", {"email": "ＢＥＮ@example.org", "password": "a-long-passphrase-1"})
    assert signed_in.status_code == 200


def test_sign_in_with_the_full_width_form_of_an_address(api_client):
    body = {"email": "ＡＤＡ@ｅｘａｍｐｌｅ.ｏｒｇ", "password": DEFAULT_PASSWORD}
    assert api_client.post("/api/auth/token/", body, format="json").status_code == 200


def test_create_user_refuses_invisible_characters():
    with pytest.raises(ValidationError):
        User.objects.create_user("eve@example.org\u200b", "a-long-passphrase-1")


@pytest.mark.parametrize("email", INVISIBLE_IN_LOCAL_PART + LOOKALIKES[:3])
def test_validate_email_characters_refuses_invisible_characters(email):
    with pytest.raises(ValidationError):
        validate_email_characters(normalize_email(email))


@pytest.mark.parametrize(
    "email", ["ada@\u0435xample.org", "ada@xn--xample-2of.org", "bob@p\u0430ypal.com", "x@\u03b1bc.org"]
)
def test_a_domain_label_mixing_scripts_is_refused(email):
    with pytest.raises(ValidationError, match="one script"):
        validate_email_characters(normalize_email(email))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ada@example.org\u3002", "ada@example.org"),
        ("ada@example\uff61org", "ada@example.org"),
        ("Ada@Example.ORG.", "ada@example.org"),
        ("zoe@xn--bcher-kva.de", "zoe@bücher.de"),
        ("zoe@BÜCHER.de", "zoe@bücher.de"),
        ("ken@例え.テスト", "ken@例え.テスト"),
    ],
)
def test_the_domain_is_stored_in_its_idna_unicode_form(typed, stored):
    assert normalize_email(typed) == stored
    validate_email_characters(stored)  # one script per label: Japanese's Han and kana count as one


def test_an_internationalised_address_signs_in_as_its_a_label(api_client):
    created = api_client.post("/api/auth/register/", registration("zoe@bücher.de"), format="json")
    assert created.status_code == 201 and created.json()["email"] == "zoe@bücher.de"
    body = {"email": "zoe@xn--bcher-kva.de", "password": "a-long-passphrase-1"}
    assert api_client.post("/api/auth/token/", body, format="json").status_code == 200


@given(st.emails() | st.text())
def test_normalising_is_idempotent(email):
    once = normalize_email(email)
    assert normalize_email(once) == once


@given(st.emails())
def test_a_valid_normalised_address_meets_the_database_check(email):
    stored = normalize_email(email)
    try:
        validate_email_characters(stored)
    except ValidationError:
        return
    assert unicodedata.normalize("NFKC", stored).lower() == stored  # migration 0005's CHECK
