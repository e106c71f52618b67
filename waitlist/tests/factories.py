import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from doctors.tests.factories import DoctorFactory
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
