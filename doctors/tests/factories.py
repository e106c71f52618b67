import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Role
from accounts.tests.factories import UserFactory
from doctors.models import Department, Doctor, Slot, SlotStatus, Specialization


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


class SlotFactory(DjangoModelFactory[Slot]):
    """A free hour of a doctor, a week or more from now by default, each one an hour after the previous."""

    class Meta:
        model = Slot

    doctor = factory.SubFactory(DoctorFactory)
    specialization = factory.LazyAttribute(lambda o: o.doctor.specialization)
    department = factory.LazyAttribute(lambda o: o.doctor.department)
    start = factory.Sequence(
        lambda n: (
            (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
            + datetime.timedelta(hours=n)
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=1))
    status = SlotStatus.FREE
