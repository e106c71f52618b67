import pytest

from accounts.models import User
from doctors.models import Doctor
from doctors.tests.factories import DepartmentFactory, DoctorFactory, SpecializationFactory

pytestmark = pytest.mark.django_db

DOCTORS = "/api/doctors/"


def detail(pk) -> str:
    return f"/api/doctors/{pk}/"


class TestDepartmentsAndSpecializations:
    @pytest.mark.parametrize("path", ["/api/departments/", "/api/specializations/"])
    def test_signed_in_users_list_them(self, patient_client, path):
        admin_created = patient_client.get(path)
        assert admin_created.status_code == 200
        assert set(admin_created.json()) == {"count", "next", "previous", "results"}

    @pytest.mark.parametrize("path", ["/api/departments/", "/api/specializations/"])
    def test_admin_creates_and_names_are_unique_case_insensitively(self, admin_client, path):
        created = admin_client.post(path, {"name": "Cardiology"}, format="json")
        assert created.status_code == 201
        assert set(created.json()) == {"id", "name"}
        again = admin_client.post(path, {"name": "CARDIOLOGY"}, format="json")
        assert again.status_code == 400
        assert "name" in again.json()

    @pytest.mark.parametrize("path", ["/api/departments/", "/api/specializations/"])
    def test_patients_and_doctors_cannot_create(self, patient_client, doctor_client, api_client, path):
        assert patient_client.post(path, {"name": "X"}, format="json").status_code == 403
        assert doctor_client.post(path, {"name": "X"}, format="json").status_code == 403
        assert api_client.post(path, {"name": "X"}, format="json").status_code == 401

    def test_blank_name_is_400(self, admin_client):
        assert admin_client.post("/api/departments/", {"name": "  "}, format="json").status_code == 400


class TestCreateDoctor:
    def body(self, **overrides):
        return {
            "email": "New.Doc@Clinic.org",
            "password": "a-long-doctor-passphrase",
            "first_name": "Nina",
            "last_name": "Novak",
            "phone": "+49 30 901820",
            "specialization": SpecializationFactory().pk,
            "department": DepartmentFactory().pk,
            **overrides,
        }

    def test_admin_creates_user_and_profile(self, admin_client):
        response = admin_client.post(DOCTORS, self.body(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["email"] == "new.doc@clinic.org"
        assert body["availability_status"] == "available"
        assert set(body["specialization"]) == {"id", "name"}
        assert User.objects.get(email="new.doc@clinic.org").role == "doctor"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("specialization", 99999),
            ("department", 99999),
            ("specialization", "abc"),
            ("email", "nope"),
            ("phone", "123"),
            ("role", "admin"),
        ],
    )
    def test_bad_field_is_400_and_nothing_is_created(self, admin_client, field, value):
        response = admin_client.post(DOCTORS, self.body(**{field: value}), format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not User.objects.filter(role="doctor").exists()

    def test_taken_email_is_400(self, admin_client, patient):
        response = admin_client.post(DOCTORS, self.body(email=patient.user.email.upper()), format="json")
        assert response.status_code == 400
        assert not Doctor.objects.exists()

    def test_only_admins_create_doctors(self, patient_client, doctor_client):
        assert patient_client.post(DOCTORS, self.body(), format="json").status_code == 403
        assert doctor_client.post(DOCTORS, self.body(), format="json").status_code == 403


class TestFindDoctors:
    def test_filters_and_search(self, patient_client):
        cardio, derm = SpecializationFactory(name="Cardiology"), SpecializationFactory(name="Dermatology")
        surgery = DepartmentFactory()
        a = DoctorFactory(specialization=cardio, department=surgery, user__last_name="Okafor")
        b = DoctorFactory(specialization=derm, availability_status="occupied", user__first_name="Lena")
        DoctorFactory(specialization=derm)

        def ids(**params):
            response = patient_client.get(DOCTORS, params)
            assert response.status_code == 200
            return {d["id"] for d in response.json()["results"]}

        assert ids(specialization=cardio.pk) == {a.pk}
        assert ids(department=surgery.pk) == {a.pk}
        assert ids(availability_status="occupied") == {b.pk}
        assert ids(search="okaf") == {a.pk}
        assert ids(search="LENA") == {b.pk}
        assert ids(specialization=derm.pk, availability_status="available") == ids(specialization=derm.pk) - {b.pk}

    @pytest.mark.parametrize(
        "params",
        [{"specialization": "abc"}, {"department": 999999}, {"availability_status": "asleep"}, {"page": "zz"}],
    )
    def test_invalid_filters_are_4xx_not_5xx(self, patient_client, params):
        response = patient_client.get(DOCTORS, params)
        assert response.status_code in (400, 404)

    def test_nul_byte_in_search_is_400(self, patient_client):
        assert patient_client.get(DOCTORS, {"search": "a\x00b"}).status_code == 400

    def test_retrieve_and_unknown_ids(self, patient_client, doctor):
        assert patient_client.get(detail(doctor.pk)).json()["id"] == doctor.pk
        assert patient_client.get(detail(999999)).status_code == 404
        assert patient_client.get("/api/doctors/99999999999999999999999/").status_code == 404

    def test_anonymous_is_401(self, api_client):
        assert api_client.get(DOCTORS).status_code == 401


class TestUpdateDoctor:
    def test_doctor_changes_own_status_and_bio(self, doctor_client, doctor):
        response = doctor_client.patch(
            detail(doctor.pk), {"availability_status": "occupied", "bio": "Hi"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["availability_status"] == "occupied"

    @pytest.mark.parametrize("field", ["specialization", "department"])
    def test_doctor_cannot_change_specialization_or_department(self, doctor_client, doctor, field):
        other = (SpecializationFactory() if field == "specialization" else DepartmentFactory()).pk
        response = doctor_client.patch(detail(doctor.pk), {field: other}, format="json")
        assert response.status_code == 403
        assert field in response.json()["detail"]

    def test_doctor_cannot_change_role(self, doctor_client, doctor):
        assert doctor_client.patch(detail(doctor.pk), {"role": "admin"}, format="json").status_code == 400
        doctor.user.refresh_from_db()
        assert doctor.user.role == "doctor"

    def test_another_doctor_or_a_patient_cannot_edit(self, other_doctor_client, patient_client, doctor):
        body = {"availability_status": "occupied"}
        assert other_doctor_client.patch(detail(doctor.pk), body, format="json").status_code == 403
        assert patient_client.patch(detail(doctor.pk), body, format="json").status_code == 403

    def test_admin_edits_everything(self, admin_client, doctor):
        department = DepartmentFactory()
        response = admin_client.patch(detail(doctor.pk), {"department": department.pk, "last_name": "Z"}, format="json")
        assert response.status_code == 200
        assert response.json()["department"]["id"] == department.pk
        assert response.json()["last_name"] == "Z"

    def test_invalid_status_is_400(self, doctor_client, doctor):
        response = doctor_client.patch(detail(doctor.pk), {"availability_status": "asleep"}, format="json")
        assert response.status_code == 400

    def test_me_is_for_doctors(self, doctor_client, doctor, patient_client):
        assert doctor_client.get("/api/doctors/me/").json()["id"] == doctor.pk
        assert patient_client.get("/api/doctors/me/").status_code == 403


def test_listing_50_doctors_costs_as_many_queries_as_listing_2(patient_client, django_assert_num_queries):
    DoctorFactory.create_batch(2)
    with django_assert_num_queries(3):  # auth user, count, page
        patient_client.get(DOCTORS)
    DoctorFactory.create_batch(48)
    with django_assert_num_queries(3):
        assert len(patient_client.get(DOCTORS, {"page_size": 50}).json()["results"]) == 50
