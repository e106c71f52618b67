"""The patient commands called directly: registration and profile changes, all or nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import UserFactory
from patients import services
from patients.models import Patient
from scheduler.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "email": "ada@example.org",
    "password": "correct-horse-battery-9",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+14155550100",
    "date_of_birth": datetime.date(1990, 12, 10),
    "insurance_number": "INS-1",
}


def update(patient, by=None, **changes) -> Patient:
    """The patient changes their own profile unless ``by`` says who else does."""
    return services.update_patient(patient=patient, by=by or patient.user, **changes)


def test_registration_creates_a_patient_account_and_profile():
    patient = services.register_patient(**REGISTRATION)
    assert patient.user.role == Role.PATIENT and patient.user.check_password(REGISTRATION["password"])
    assert Patient.objects.get(pk=patient.pk).insurance_number == "INS-1"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"date_of_birth": timezone.localdate() + datetime.timedelta(days=1)}, "date_of_birth"),
        ({"password": "123"}, "password"),
        ({"phone": "not a phone"}, "phone"),
    ],
)
def test_a_bad_registration_names_its_field_and_writes_no_account(change, field):
    with pytest.raises(ValidationError) as error:
        services.register_patient(**{**REGISTRATION, **change})
    assert field in error.value.message_dict
    assert not User.objects.exists()


def test_a_taken_email_is_refused():
    services.register_patient(**REGISTRATION)
    with pytest.raises(ValidationError) as error:
        services.register_patient(**REGISTRATION)
    assert "email" in error.value.message_dict and Patient.objects.count() == 1


def test_a_profile_is_for_a_patient_role_account_once(patient):
    for user in (UserFactory(role=Role.DOCTOR), patient.user):
        with pytest.raises(ValidationError) as error:
            services.add_patient_profile(user=user, phone="+14155550101", date_of_birth=datetime.date(1990, 1, 1))
        assert "user" in error.value.message_dict
    assert Patient.objects.count() == 1


class TestUpdate:
    def test_only_the_patient_or_an_admin_may(self, patient, other_patient):
        for outsider in (other_patient.user, UserFactory(role=Role.DOCTOR)):
            with pytest.raises(PermissionDenied):
                update(patient, by=outsider, first_name="Mallory")
        update(patient, by=UserFactory(role=Role.ADMIN), first_name="Grace")
        patient.refresh_from_db()
        assert patient.user.first_name == "Grace"

    def test_changes_the_given_fields_only(self, patient):
        stale = Patient.objects.get(pk=patient.pk)
        update(patient, first_name="Grace", insurance_name="Other Health")
        update(stale, phone="+14155550199")  # a stale copy does not undo the first change
        patient.refresh_from_db()
        assert (patient.user.first_name, patient.insurance_name) == ("Grace", "Other Health")
        assert str(patient.phone) == "+14155550199"

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"email": "x@example.org"}, "email"),
            ({"date_of_birth": timezone.localdate() + datetime.timedelta(days=1)}, "date_of_birth"),
            ({"phone": "not a phone"}, "phone"),
        ],
    )
    def test_a_bad_change_names_its_field_and_changes_nothing(self, patient, change, field):
        before = (patient.phone, patient.date_of_birth, patient.user.email)
        with pytest.raises(ValidationError) as error:
            update(patient, **change)
        assert field in error.value.message_dict
        patient = Patient.objects.select_related("user").get(pk=patient.pk)
        assert (patient.phone, patient.date_of_birth, patient.user.email) == before
