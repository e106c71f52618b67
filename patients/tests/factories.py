import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role
from accounts.tests.factories import UserFactory
from patients.models import Patient


class PatientFactory(DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory, role=Role.PATIENT)
    phone = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    date_of_birth = datetime.date(1985, 3, 14)
    insurance_name = "Acme Health"
    insurance_number = factory.Sequence(lambda n: f"INS-{n:06d}")
