import factory
from factory.django import DjangoModelFactory

from accounts.models import Role
from accounts.tests.factories import UserFactory
from doctors.models import Department, Doctor, Specialization


class DepartmentFactory(DjangoModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")


class SpecializationFactory(DjangoModelFactory[Specialization]):
    class Meta:
        model = Specialization

    name = factory.Sequence(lambda n: f"Specialization {n}")


class DoctorFactory(DjangoModelFactory[Doctor]):
    class Meta:
        model = Doctor

    user = factory.SubFactory(UserFactory, role=Role.DOCTOR)
    phone = "+4930901820"
    specialization = factory.SubFactory(SpecializationFactory)
    department = factory.SubFactory(DepartmentFactory)
