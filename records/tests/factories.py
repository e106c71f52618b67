import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from appointments.tests.factories import AppointmentFactory
from records.models import MedicalRecord, MedicalRecordVersion


def _two_hours_ago() -> datetime.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=2)


class MedicalRecordFactory(DjangoModelFactory[MedicalRecord]):
    """The record of a visit that has started, by its doctor, with its first version, as the service leaves it.

    The service also writes a ``create`` audit entry; tests about the audit trail write through the service.
    """

    class Meta:
        model = MedicalRecord
        skip_postgeneration_save = True

    appointment = factory.SubFactory(AppointmentFactory, slot__start=factory.LazyFunction(_two_hours_ago))
    patient = factory.LazyAttribute(lambda o: o.appointment.patient)
    doctor = factory.LazyAttribute(lambda o: o.appointment.doctor)
    author = factory.LazyAttribute(lambda o: o.appointment.doctor.user)
    diagnosis = "Seasonal influenza"
    prescription = "Rest"
    notes = "Follow up in a week"

    @factory.post_generation
    def first_version(self, create, extracted, **kwargs):
        if create:
            fields = {name: getattr(self, name) for name in ("version", "author", "diagnosis", "prescription", "notes")}
            MedicalRecordVersion.objects.create(record=self, **fields)
