import datetime

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from patients.models import Patient
from patients.tests.factories import PatientFactory

# The audit entry is one statement on PostgreSQL; SQLite (development) writes it in two.
AUDIT_STATEMENTS = 1 if connection.vendor == "postgresql" else 2

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
LIST = "/api/patients/"
ME = "/api/patients/me/"


def detail(patient_id) -> str:
    return f"/api/patients/{patient_id}/"


def registration(**overrides):
    body = {
        "email": "Ada@Example.org",
        "password": "a-sufficiently-long-passphrase",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+1 (415) 555-0123",
        "date_of_birth": "1990-12-10",
        "insurance_name": "Acme Health",
        "insurance_number": "XK-99812",
    }
    return {**body, **overrides}


class TestRegister:
    def test_register_creates_user_and_profile_and_answers_the_profile(self, api_client):
        response = api_client.post(REGISTER, registration(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == {
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "date_of_birth",
            "insurance_name",
            "insurance_number",
            "created_at",
            "updated_at",
        }
        assert body["email"] == "ada@example.org"
        assert body["phone"] == "+14155550123"
        assert body["insurance_number"] == "XK-99812"
        user = User.objects.get(email="ada@example.org")
        assert user.role == "patient"
        assert user.patient_profile.pk == body["id"]
        login = api_client.post(
            "/api/auth/token/", {"email": "ADA@example.org", "password": registration()["password"]}, format="json"
        )
        assert login.status_code == 200

    def test_email_taken_in_another_case_is_400(self, api_client):
        assert api_client.post(REGISTER, registration(), format="json").status_code == 201
        response = api_client.post(REGISTER, registration(email="ada@EXAMPLE.org"), format="json")
        assert response.status_code == 400
        assert response.json()["email"] == ["An account with this email already exists."]
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("email", "not-an-email"),
            ("phone", "12345"),
            ("phone", "+1 415 555"),
            ("date_of_birth", "1990-02-30"),
            ("date_of_birth", "yesterday"),
            ("password", "password"),
            ("password", "12345678901"),
            ("first_name", ""),
            ("insurance_number", "x" * 101),
        ],
    )
    def test_bad_field_is_400_naming_it_and_creates_nothing(self, api_client, field, value):
        response = api_client.post(REGISTER, registration(**{field: value}), format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not User.objects.exists()

    def test_date_of_birth_in_the_future_is_refused(self, api_client):
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        response = api_client.post(REGISTER, registration(date_of_birth=tomorrow), format="json")
        assert response.status_code == 400
        assert response.json()["date_of_birth"] == ["Date of birth cannot be in the future."]

    def test_a_profile_refused_after_the_user_was_saved_leaves_no_user(self, api_client):
        # 1850 passes the serializer but not the model's constraint, which runs after the user is saved.
        response = api_client.post(REGISTER, registration(date_of_birth="1850-01-01"), format="json")
        assert response.status_code == 400
        assert "date_of_birth" in response.json()
        assert not User.objects.exists() and not Patient.objects.exists()

    @pytest.mark.parametrize("field", ["role", "id", "is_staff", "user"])
    def test_body_setting_a_forbidden_field_is_400(self, api_client, field):
        response = api_client.post(REGISTER, registration(**{field: "admin"}), format="json")
        assert response.status_code == 400
        assert response.json()[field] == ["This field cannot be set here."]
        assert not User.objects.exists()


class TestEncryptionAtRest:
    def test_insurance_details_are_not_stored_in_plain_text(self):
        patient = PatientFactory(insurance_number="PLAIN-12345", insurance_name="Secret Mutual")
        with connection.cursor() as cursor:
            cursor.execute("SELECT insurance_number, insurance_name FROM patients_patient WHERE id = %s", [patient.pk])
            number, name = cursor.fetchone()
        assert "PLAIN-12345" not in number and "Secret Mutual" not in name
        assert number.startswith("gAAAA")  # a Fernet token
        assert Patient.objects.get(pk=patient.pk).insurance_number == "PLAIN-12345"


class TestVisibility:
    def test_admin_lists_all_patients(self, admin_client, patient, other_patient):
        body = admin_client.get(LIST).json()
        assert body["count"] == 2
        assert {p["id"] for p in body["results"]} == {patient.pk, other_patient.pk}

    def test_doctor_without_appointments_lists_nobody(self, doctor_client, patient):
        assert doctor_client.get(LIST).json()["count"] == 0

    def test_patient_may_not_list(self, patient_client):
        assert patient_client.get(LIST).status_code == 403

    def test_anonymous_is_401(self, api_client, patient):
        assert api_client.get(LIST).status_code == 401
        assert api_client.get(detail(patient.pk)).status_code == 401
        assert api_client.get(ME).status_code == 401

    def test_patient_reads_themself(self, patient_client, patient):
        assert patient_client.get(detail(patient.pk)).json()["id"] == patient.pk

    def test_patient_cannot_read_another_patient(self, patient_client, other_patient):
        response = patient_client.get(detail(other_patient.pk))
        assert response.status_code == 404
        assert response.json()["detail"] == "Patient not found."

    def test_doctor_without_appointment_cannot_read_a_patient(self, doctor_client, patient):
        assert doctor_client.get(detail(patient.pk)).status_code == 404

    def test_admin_reads_any_patient(self, admin_client, patient):
        assert admin_client.get(detail(patient.pk)).status_code == 200

    @pytest.mark.parametrize("pk", ["999999", "99999999999999999999999", "abc"])
    def test_unknown_or_malformed_id_is_404(self, admin_client, pk):
        assert admin_client.get(f"/api/patients/{pk}/").status_code == 404


class TestUpdate:
    def test_patient_reads_and_updates_own_profile(self, patient_client, patient):
        assert patient_client.get(ME).json()["id"] == patient.pk
        response = patient_client.patch(ME, {"phone": "+44 20 7946 0958", "first_name": "Ada"}, format="json")
        assert response.status_code == 200
        assert response.json()["phone"] == "+442079460958"
        assert response.json()["first_name"] == "Ada"
        patient.refresh_from_db()
        assert str(patient.phone) == "+442079460958"

    @pytest.mark.parametrize(
        "body", [{"role": "admin"}, {"email": "x@example.org"}, {"user": 1}, {"id": 5}, {"is_staff": True}]
    )
    def test_patient_cannot_set_role_identity_or_other_fields(self, patient_client, patient, body):
        response = patient_client.patch(ME, body, format="json")
        assert response.status_code == 400
        patient.user.refresh_from_db()
        assert patient.user.role == "patient" and not patient.user.is_staff

    def test_patient_patches_self_by_id_but_not_others(self, patient_client, patient, other_patient):
        assert patient_client.patch(detail(patient.pk), {"last_name": "B"}, format="json").status_code == 200
        assert patient_client.patch(detail(other_patient.pk), {"last_name": "B"}, format="json").status_code == 404

    def test_admin_patches_any_patient(self, admin_client, patient):
        response = admin_client.patch(detail(patient.pk), {"insurance_number": "NEW-1"}, format="json")
        assert response.status_code == 200
        assert response.json()["insurance_number"] == "NEW-1"

    def test_doctor_cannot_patch(self, doctor_client, patient):
        assert doctor_client.patch(detail(patient.pk), {"last_name": "B"}, format="json").status_code == 404

    def test_me_is_for_patients_only(self, doctor_client, admin_client):
        assert doctor_client.get(ME).status_code == 403
        assert admin_client.get(ME).status_code == 403

    def test_future_date_of_birth_on_update_is_400(self, patient_client):
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        assert patient_client.patch(ME, {"date_of_birth": tomorrow}, format="json").status_code == 400


def test_admins_search_patients_by_name_email_phone_and_birthday(admin_client):
    ada = PatientFactory(
        user__first_name="Ada",
        user__last_name="Lovelace",
        phone="+14155550177",
        date_of_birth=datetime.date(1815, 12, 10).replace(year=1915),
    )
    # An explicit phone: the factory's sequence reaches Ada's number after 177 patients.
    PatientFactory(user__first_name="Grace", user__last_name="Hopper", phone="+14155550178")

    def ids(**params):
        response = admin_client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [p["id"] for p in response.json()["results"]]

    assert ids(search="lovel") == [ada.pk]
    assert ids(search=ada.user.email.upper()) == [ada.pk]
    assert ids(phone="+1 415 555 0177") == [ada.pk]
    assert ids(date_of_birth="1915-12-10") == [ada.pk]
    assert admin_client.get(LIST, {"date_of_birth": "10/12/1915"}).status_code == 400


def test_listing_50_patients_costs_as_many_queries_as_listing_2(admin_client, django_assert_num_queries):
    PatientFactory.create_batch(2)
    with django_assert_num_queries(3 + AUDIT_STATEMENTS):  # auth user, count, page, one audit insert
        assert admin_client.get(LIST).json()["count"] == 2
    PatientFactory.create_batch(48)
    with django_assert_num_queries(3 + AUDIT_STATEMENTS):
        assert len(admin_client.get(LIST, {"page_size": 50}).json()["results"]) == 50
