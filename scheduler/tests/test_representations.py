"""The hot serializers build their answers by hand; they must answer exactly what their declared fields would."""

import datetime
import zoneinfo

import pytest
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from appointments.models import Appointment, AppointmentStatus
from appointments.serializers import AppointmentSerializer
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot
from doctors.serializers import SlotSerializer
from doctors.tests.factories import SlotFactory
from scheduler.api import utc_iso

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def field_by_field(serializer_class, instance) -> dict:
    """DRF's own answer: every declared field's ``to_representation``."""
    return serializers.ModelSerializer.to_representation(serializer_class(), instance)


def test_slot_answer_equals_its_declared_fields():
    slot = Slot.objects.get(pk=SlotFactory().pk)
    assert SlotSerializer(slot).data == field_by_field(SlotSerializer, slot)
    assert set(SlotSerializer(slot).data) == set(SlotSerializer.Meta.fields)
    # A datetime that is not UTC in memory still answers in UTC with "Z".
    slot.start = slot.start.astimezone(BERLIN)
    slot.end = (slot.end + datetime.timedelta(microseconds=5)).astimezone(BERLIN)
    assert SlotSerializer(slot).data == field_by_field(SlotSerializer, slot)
    assert SlotSerializer(slot).data["start"].endswith("Z")


def test_slot_list_answer_equals_its_declared_fields():
    SlotFactory.create_batch(3)
    slots = list(Slot.objects.all())
    expected = [field_by_field(SlotSerializer, slot) for slot in slots]
    assert SlotSerializer(slots, many=True).data == expected


@pytest.mark.parametrize("cancelled", [False, True])
def test_appointment_answer_equals_its_declared_fields(cancelled):
    appointment = AppointmentFactory(reason="Persistent cough")
    if cancelled:
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_by = UserFactory()
        appointment.cancelled_at = datetime.datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN)  # the DST night
        appointment.cancellation_reason = "Feeling better"
        appointment.save()
    for instance in (appointment, Appointment.objects.select_related("cancelled_by").get(pk=appointment.pk)):
        answer = AppointmentSerializer(instance).data
        assert answer == field_by_field(AppointmentSerializer, instance)
        assert set(answer) == set(AppointmentSerializer.Meta.fields)
    assert (answer["cancelled_by_role"] is not None) is cancelled


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC),
        datetime.datetime(2027, 3, 28, 3, 30, 0, 5, tzinfo=BERLIN),  # just after the spring change
        datetime.datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BERLIN),  # the autumn hour, second time
    ],
)
def test_utc_iso_answers_what_drf_answers_in_utc(value):
    """Every datetime of the API goes through utc_iso; DRF's own field is the reference."""
    assert utc_iso(value) == serializers.DateTimeField(default_timezone=datetime.UTC).to_representation(value)
    assert utc_iso(None) is None
