"""A profile belongs to a user of its role, and that user keeps the role: in the database and the admin."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from accounts.tests.factories import UserFactory
from doctors.models import Doctor
from doctors.tests.factories import DepartmentFactory, DoctorFactory, SpecializationFactory
from patients.models import Patient
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    client.raise_request_exception = False  # a 500 must show as a 500, not as an exception here
    return client


@pytest.mark.postgres
class TestTheDatabase:
    def test_a_patient_role_user_cannot_own_a_doctor_profile(self):
        with pytest.raises(IntegrityError, match="doctors_doctor_user_role_fk"), transaction.atomic():
            DoctorFactory(user=UserFactory(role=Role.PATIENT))

    def test_a_doctor_role_user_cannot_own_a_patient_profile(self):
        with pytest.raises(IntegrityError, match="patients_patient_user_role_fk"), transaction.atomic():
            PatientFactory(user=UserFactory(role=Role.DOCTOR))

    @pytest.mark.parametrize(
        ("factory", "role"),
        [
            (DoctorFactory, Role.PATIENT),
            (DoctorFactory, Role.ADMIN),
            (PatientFactory, Role.DOCTOR),
            (PatientFactory, Role.ADMIN),
        ],
    )
    def test_the_role_of_a_user_with_a_profile_cannot_change(self, factory, role):
        user = factory().user
        with pytest.raises(IntegrityError, match="user_role_fk"), transaction.atomic():
            User.objects.filter(pk=user.pk).update(role=role)

    def test_a_profile_cannot_claim_another_role(self):
        doctor = DoctorFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Doctor.objects.filter(pk=doctor.pk).update(user_role=Role.PATIENT)


class TestTheAdmin:
    def doctor_form(self, user) -> dict:
        return {
            "user": user.pk,
            "phone": "",
            "specialization": SpecializationFactory().pk,
            "department": DepartmentFactory().pk,
            "availability_status": "available",
            "bio": "",
        }

    def patient_form(self, user) -> dict:
        return {
            "user": user.pk,
            "phone": "+14155550123",
            "date_of_birth": "1990-01-01",
            "insurance_name": "",
            "insurance_number": "",
        }

    def test_a_doctor_profile_for_a_patient_role_user_is_a_form_error(self, staff):
        user = UserFactory(role=Role.PATIENT)
        response = staff.post("/admin/doctors/doctor/add/", self.doctor_form(user))
        assert response.status_code == 200
        assert "only a doctor-role user can own" in response.context["adminform"].form.errors["user"][0]
        assert not Doctor.objects.exists()

    def test_a_patient_profile_for_a_doctor_role_user_is_a_form_error(self, staff):
        user = UserFactory(role=Role.DOCTOR)
        response = staff.post("/admin/patients/patient/add/", self.patient_form(user))
        assert response.status_code == 200
        assert "only a patient-role user can own" in response.context["adminform"].form.errors["user"][0]
        assert not Patient.objects.exists()

    def test_a_profile_for_a_user_of_its_role_is_added_through_the_service(self, staff):
        doctor_user, patient_user = UserFactory(role=Role.DOCTOR), UserFactory(role=Role.PATIENT)
        assert staff.post("/admin/doctors/doctor/add/", self.doctor_form(doctor_user)).status_code == 302
        assert staff.post("/admin/patients/patient/add/", self.patient_form(patient_user)).status_code == 302
        assert Doctor.objects.get().user == doctor_user and Patient.objects.get().user == patient_user

    def test_a_second_profile_for_one_user_is_a_form_error(self, staff):
        doctor = DoctorFactory()
        response = staff.post("/admin/doctors/doctor/add/", self.doctor_form(doctor.user))
        assert response.status_code == 200 and response.context["adminform"].form.errors["user"]
        assert Doctor.objects.count() == 1

    @pytest.mark.parametrize("factory", [DoctorFactory, PatientFactory])
    def test_changing_the_role_of_a_user_with_a_profile_is_a_form_error(self, staff, factory):
        user = factory().user
        page = staff.get(f"/admin/accounts/user/{user.pk}/change/")
        form = page.context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
        data.update(role=Role.ADMIN, groups=[], user_permissions=[])
        response = staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
        assert response.status_code == 200
        assert "role stays" in response.context["adminform"].form.errors["role"][0]
        user.refresh_from_db()
        assert user.role != Role.ADMIN

    def test_a_user_without_a_profile_may_change_role(self, staff):
        user = UserFactory(role=Role.PATIENT)
        data = {
            "email": user.email,
            "first_name": "",
            "last_name": "",
            "role": Role.DOCTOR,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        }
        response = staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        user.refresh_from_db()
        assert user.role == Role.DOCTOR

    def test_a_patient_profile_cannot_be_moved_to_another_account(self, staff):
        patient, other = PatientFactory(), PatientFactory()
        page = staff.get(f"/admin/patients/patient/{patient.pk}/change/")
        assert 'name="user"' not in page.content.decode()
        staff.post(
            f"/admin/patients/patient/{patient.pk}/change/",
            {**self.patient_form(other.user), "phone": str(patient.phone)},
        )
        patient.refresh_from_db()
        assert patient.user_id != other.user_id
