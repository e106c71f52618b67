"""FilterSets build their form class once per class; each instance still validates its own data."""

import pytest

from appointments.filters import AppointmentFilter
from appointments.models import Appointment
from doctors.filters import DoctorFilter, SlotFilter
from doctors.models import Doctor, Slot
from doctors.tests.factories import SpecializationFactory


def test_form_class_is_built_once_per_filterset_class():
    good = SlotFilter(data={"status": "free"}, queryset=Slot.objects.none())
    bad = SlotFilter(data={"status": "maybe"}, queryset=Slot.objects.none())
    assert type(good.form) is type(bad.form)
    assert set(type(good.form).base_fields) == set(SlotFilter.base_filters)
    # Subclasses of the same base keep their own classes.
    other = AppointmentFilter(data={}, queryset=Appointment.objects.none())
    assert type(other.form) is not type(good.form)
    assert set(type(other.form).base_fields) == set(AppointmentFilter.base_filters)


@pytest.mark.django_db
def test_cached_form_classes_still_validate_each_request():
    assert SlotFilter(data={"status": "free"}, queryset=Slot.objects.none()).is_valid()
    bad = SlotFilter(data={"status": "maybe"}, queryset=Slot.objects.none())
    assert not bad.is_valid() and "status" in bad.errors
    # A model choice field gets a fresh queryset per form: a specialization created later is accepted.
    DoctorFilter(data={}, queryset=Doctor.objects.none()).is_valid()
    specialization = SpecializationFactory()
    assert DoctorFilter(data={"specialization": specialization.pk}, queryset=Doctor.objects.none()).is_valid()
