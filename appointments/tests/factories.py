import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from appointments.models import Appointment, AppointmentStatus
from doctors.models import SlotStatus
from doctors.tests.factories import SlotFactory
from patients.tests.factories import PatientFactory


class AppointmentFactory(DjangoModelFactory[Appointment]):
    """A scheduled appointment (or another status) on a slot that reads as the services leave it."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    # The slot reads as the services leave it: held under a hold, booked otherwise.
    slot = factory.SubFactory(
        SlotFactory,
        status=factory.LazyAttribute(
            lambda o: SlotStatus.HELD if o.factory_parent.status == AppointmentStatus.PENDING else SlotStatus.BOOKED
        ),
    )
    doctor = factory.LazyAttribute(lambda o: o.slot.doctor)
    start = factory.LazyAttribute(lambda o: o.slot.start)
    end = factory.LazyAttribute(lambda o: o.slot.end)
    status = AppointmentStatus.SCHEDULED
    # A pending appointment is a hold: it has an expiry (a check constraint says so), ten minutes away.
    hold_expires_at = factory.LazyAttribute(
        lambda o: timezone.now() + datetime.timedelta(minutes=10) if o.status == AppointmentStatus.PENDING else None
    )


def past_appointment(hours_ago: int = 2, **kwargs) -> Appointment:
    """A scheduled appointment whose visit started ``hours_ago`` hours ago (a record may be written)."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=hours_ago)
    kwargs.setdefault("slot__start", start)
    kwargs.setdefault("slot__end", start + datetime.timedelta(hours=1))
    return AppointmentFactory(**kwargs)
