import datetime
import itertools

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory
from waitlist.models import WaitlistEntry


class WaitlistEntryFactory(DjangoModelFactory[WaitlistEntry]):
    """A patient waiting for a doctor over the next 60 days (SlotFactory's slots start a week ahead)."""

    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    specialization = None
    start_after = factory.LazyFunction(timezone.now)
    start_before = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=60))


# SlotFactory's sequence moves an hour per slot over the whole run, beyond any window or horizon after a
# few thousand slots: the waitlist's tests take their hours from here, two to about twenty days ahead.
_hours = itertools.count()


def soon(**kwargs) -> dict:
    """Slot factory arguments for a free hour two to about twenty days from now (distinct on each call)."""
    start = (timezone.now() + datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    start += datetime.timedelta(hours=next(_hours) % 450)
    return {"start": start, "end": start + datetime.timedelta(hours=1), **kwargs}


def soon_slot(**kwargs) -> Slot:
    return SlotFactory(**soon(**kwargs))


def booking_soon(**kwargs) -> Appointment:
    """A scheduled appointment on a slot soon (``slot__doctor=`` etc. as for AppointmentFactory)."""
    slot_kwargs = {key.removeprefix("slot__"): kwargs.pop(key) for key in list(kwargs) if key.startswith("slot__")}
    return AppointmentFactory(slot=soon_slot(status=SlotStatus.BOOKED, **slot_kwargs), **kwargs)
