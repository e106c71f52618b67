import datetime

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot
from doctors.tests.factories import SlotFactory
from scheduler.constraints import violated_constraint

pytestmark = pytest.mark.django_db


def test_a_second_live_appointment_on_a_slot_is_refused_by_the_database():
    first = AppointmentFactory()
    with pytest.raises(IntegrityError, match="appointments_one_live_per_slot|UNIQUE constraint failed") as caught:
        Appointment.objects.create(
            patient=first.patient, doctor=first.doctor, slot=first.slot, start=first.start, end=first.end
        )
    if connection.vendor == "postgresql":  # named in the diagnostics; the services translate by that name
        assert violated_constraint(caught.value) == "appointments_one_live_per_slot"
    else:
        assert violated_constraint(caught.value).startswith("UNIQUE constraint failed")


def test_a_cancelled_appointment_does_not_hold_its_slot():
    first = AppointmentFactory(status=AppointmentStatus.CANCELLED)
    AppointmentFactory(slot=first.slot)
    assert Appointment.objects.filter(slot=first.slot).count() == 2


@pytest.mark.postgres
def test_overlapping_scheduled_appointments_of_one_patient_are_refused_by_the_database():
    first = AppointmentFactory()
    other_doctors_slot = SlotFactory(
        start=first.start + datetime.timedelta(minutes=30), end=first.end + datetime.timedelta(minutes=30)
    )
    with pytest.raises(IntegrityError, match="appointments_patient_no_overlap") as caught:
        AppointmentFactory(patient=first.patient, slot=other_doctors_slot)
    assert violated_constraint(caught.value) == "appointments_patient_no_overlap"


def test_unknown_status_is_refused():
    with pytest.raises(IntegrityError):
        AppointmentFactory(status="postponed")


def test_a_live_appointment_needs_a_slot():
    with pytest.raises(IntegrityError, match="appointments_live_has_slot"):
        AppointmentFactory(
            slot=None,
            doctor=SlotFactory().doctor,
            start=SlotFactory().start,
            end=SlotFactory().start + datetime.timedelta(hours=1),
        )


def test_appointments_and_slots_read_in_the_current_time_zone():
    """The admin's breadcrumbs and messages name a visit by its clinic time (admin pages run in it)."""
    start = datetime.datetime(2027, 7, 1, 8, tzinfo=datetime.UTC)
    slot = Slot(pk=5, doctor_id=3, start=start, end=start + datetime.timedelta(hours=1), status="free")
    appointment = Appointment(pk=7, start=start, status="scheduled")
    assert str(appointment) == "Appointment 7 (scheduled) 2027-07-01 08:00 UTC"
    with timezone.override("Europe/Berlin"):
        assert str(appointment) == "Appointment 7 (scheduled) 2027-07-01 10:00 CEST"
        assert str(slot) == "3 2027-07-01 10:00–11:00 CEST (free)"
