import factory
from factory.django import DjangoModelFactory

from appointments.models import Appointment, AppointmentStatus
from doctors.models import SlotStatus
from doctors.tests.factories import SlotFactory
from patients.tests.factories import PatientFactory


class AppointmentFactory(DjangoModelFactory[Appointment]):
    """A scheduled appointment on a slot that reads booked, as the booking service leaves them."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    slot = factory.SubFactory(SlotFactory, status=SlotStatus.BOOKED)
    doctor = factory.LazyAttribute(lambda o: o.slot.doctor)
    start = factory.LazyAttribute(lambda o: o.slot.start)
    end = factory.LazyAttribute(lambda o: o.slot.end)
    status = AppointmentStatus.SCHEDULED
