import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError

from patients.models import Patient
from patients.tests.factories import PatientFactory
from scheduler import fields

pytestmark = pytest.mark.django_db


def test_filtering_on_an_encrypted_field_fails_loudly_instead_of_matching_nothing():
    PatientFactory(insurance_number="ABC")
    with pytest.raises(FieldError):
        list(Patient.objects.filter(insurance_number="ABC"))


def test_a_wrong_key_fails_loudly_instead_of_returning_ciphertext(settings):
    patient = PatientFactory(insurance_number="ABC")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(fields.DecryptionError):
        Patient.objects.get(pk=patient.pk)


def test_rotation_first_key_encrypts_every_key_decrypts(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    patient = PatientFactory(insurance_number="ROTATE-ME")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert Patient.objects.get(pk=patient.pk).insurance_number == "ROTATE-ME"
    token = fields.encrypt("x")
    assert Fernet(new_key.encode()).decrypt(token.encode()) == b"x"


def test_empty_values_stay_empty():
    patient = PatientFactory(insurance_number="", insurance_name="")
    patient.refresh_from_db()
    assert patient.insurance_number == ""
