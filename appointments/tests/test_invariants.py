"""The invariant checks count what they claim to: a state broken on purpose is found (statuses by constant)."""

import pytest

from accounts.models import User
from appointments.invariants import invariant_violations
from appointments.models import LIVE_STATUSES, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot, SlotStatus
from doctors.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", LIVE_STATUSES)
def test_a_free_slot_under_a_live_appointment_is_found(status):
    appointment = AppointmentFactory(status=status)
    Slot.objects.filter(pk=appointment.slot_id).update(status=SlotStatus.FREE)
    assert invariant_violations()["slot_status_disagrees_with_appointments"] == 1


def test_a_free_future_slot_of_an_inactive_doctor_is_found():
    slot = SlotFactory()
    User.objects.filter(pk=slot.doctor.user_id).update(is_active=False)
    assert invariant_violations()["free_future_slot_of_inactive_doctor"] == 1


def test_a_consistent_database_has_no_violations():
    AppointmentFactory()
    AppointmentFactory(status=AppointmentStatus.PENDING)
    SlotFactory()
    assert set(invariant_violations().values()) == {0}
