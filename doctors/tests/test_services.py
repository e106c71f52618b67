"""The doctor commands called directly: availability splitting and overlap, slot deletion, withdrawal, updates.

Who may call them over HTTP is in test_availability_api.py and the authorization matrix; the races
in test_deactivation.py and test_admin_concurrency.py.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from appointments.tests.factories import AppointmentFactory
from doctors import services
from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DepartmentFactory, SlotFactory
from scheduler.exceptions import NotFound, PermissionDenied, SlotOverlap, SlotUnavailable

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
WEEK = datetime.timedelta(days=7)

# The signatures below are the ones that take (or will take) the acting user: one place to adapt.


def publish(doctor, start, end, by=None, **kwargs) -> services.PublishedAvailability:
    """The doctor publishes their own hours unless ``by`` says who else does."""
    return services.publish_availability(doctor=doctor, by=by or doctor.user, start=start, end=end, **kwargs)


def delete_slot(slot_id: int, by) -> None:
    services.delete_slot(slot_id=slot_id, by=by)


@pytest.fixture
def monday_9am() -> datetime.datetime:
    """A Monday 09:00 UTC, two weeks or more ahead."""
    day = timezone.now().astimezone(datetime.UTC).date() + datetime.timedelta(days=14)
    day += datetime.timedelta(days=-day.weekday())
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)


def slots_of(doctor) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return list(Slot.objects.filter(doctor=doctor).order_by("start").values_list("start", "end"))


class TestPublishAvailability:
    def test_a_period_becomes_one_hour_slots_and_the_remainder_is_reported(self, doctor, monday_9am):
        published = publish(doctor, monday_9am, monday_9am + 2.5 * HOUR)
        assert published.unused == 0.5 * HOUR
        assert slots_of(doctor) == [(monday_9am, monday_9am + HOUR), (monday_9am + HOUR, monday_9am + 2 * HOUR)]
        slot = published.slots[0]
        assert (slot.specialization_id, slot.department_id, slot.status) == (
            doctor.specialization_id,
            doctor.department_id,
            SlotStatus.FREE,
        )

    def test_a_weekly_repetition_includes_its_last_day(self, doctor, monday_9am):
        publish(
            doctor, monday_9am, monday_9am + HOUR, repeat_weekly_until=(monday_9am + 2 * WEEK).date(), time_zone="UTC"
        )
        assert [start for start, _ in slots_of(doctor)] == [monday_9am + n * WEEK for n in range(3)]

    @pytest.mark.parametrize(
        "start_offset, length, field",
        [
            (0, -HOUR, "end"),  # end before start
            (0, 0.5 * HOUR, "end"),  # shorter than an hour
            (0, 25 * HOUR, "end"),  # longer than a day
            (-30 * 24, HOUR, "start"),  # in the past
            (3 * 366 * 24, HOUR, "end"),  # beyond the horizon
        ],
    )
    def test_a_bad_period_names_its_field_and_creates_nothing(self, doctor, monday_9am, start_offset, length, field):
        start = monday_9am + start_offset * HOUR
        with pytest.raises(ValidationError) as error:
            publish(doctor, start, start + length)
        assert field in error.value.message_dict and slots_of(doctor) == []

    def test_a_naive_datetime_is_refused(self, doctor, monday_9am):
        with pytest.raises(ValidationError, match="UTC offset"):
            publish(doctor, monday_9am.replace(tzinfo=None), monday_9am + HOUR)

    def test_a_repetition_ending_before_it_starts_or_too_large_is_refused(self, doctor, monday_9am):
        with pytest.raises(ValidationError, match="before the first"):
            publish(doctor, monday_9am, monday_9am + HOUR, repeat_weekly_until=monday_9am.date() - WEEK)
        with pytest.raises(ValidationError, match="at most 1000"):  # 24 slots a week for 52 weeks
            publish(doctor, monday_9am, monday_9am + 24 * HOUR, repeat_weekly_until=monday_9am.date() + 52 * WEEK)
        assert slots_of(doctor) == []

    def test_any_overlap_lists_the_conflicts_and_creates_nothing(self, doctor, monday_9am):
        existing = SlotFactory(doctor=doctor, start=monday_9am + HOUR, end=monday_9am + 2 * HOUR)
        with pytest.raises(SlotOverlap) as error:
            publish(doctor, monday_9am, monday_9am + 3 * HOUR)
        assert error.value.code == "slot_overlap"
        assert [c["id"] for c in error.value.extra["conflicts"]] == [existing.pk]
        assert slots_of(doctor) == [(existing.start, existing.end)]

    def test_touching_slots_and_another_doctors_slots_do_not_overlap(self, doctor, monday_9am):
        SlotFactory(doctor=doctor, start=monday_9am - HOUR, end=monday_9am)
        SlotFactory(start=monday_9am, end=monday_9am + HOUR)
        assert len(publish(doctor, monday_9am, monday_9am + HOUR).slots) == 1

    def test_a_deactivated_doctor_is_not_found(self, doctor, monday_9am):
        doctor.user.is_active = False
        doctor.user.save()
        with pytest.raises(NotFound):
            publish(doctor, monday_9am, monday_9am + HOUR)


def test_only_the_doctor_or_an_admin_publishes_their_hours(doctor, other_doctor, monday_9am):
    for outsider in (other_doctor.user, UserFactory(role=Role.PATIENT)):
        with pytest.raises(PermissionDenied):
            publish(doctor, monday_9am, monday_9am + HOUR, by=outsider)
    assert not Slot.objects.filter(doctor=doctor).exists()
    publish(doctor, monday_9am, monday_9am + HOUR, by=UserFactory(role=Role.ADMIN))
    assert Slot.objects.filter(doctor=doctor).count() == 1


class TestDeleteSlot:
    def test_its_doctor_or_an_admin_deletes_a_free_slot(self, doctor):
        mine, other = SlotFactory(doctor=doctor), SlotFactory(doctor=doctor)
        delete_slot(mine.pk, doctor.user)
        delete_slot(other.pk, UserFactory(role=Role.ADMIN))
        assert not Slot.objects.filter(doctor=doctor).exists()

    def test_another_doctor_may_not(self, doctor, other_doctor):
        slot = SlotFactory(doctor=doctor)
        with pytest.raises(PermissionDenied):
            delete_slot(slot.pk, other_doctor.user)
        assert Slot.objects.filter(pk=slot.pk).exists()

    def test_a_booked_slot_stays_and_an_unknown_one_is_not_found(self, doctor):
        booked = AppointmentFactory(slot__doctor=doctor).slot
        with pytest.raises(SlotUnavailable):
            delete_slot(booked.pk, doctor.user)
        with pytest.raises(NotFound):
            delete_slot(987654, doctor.user)
        assert Slot.objects.filter(pk=booked.pk).exists()


def test_withdrawing_deletes_only_free_future_slots(doctor):
    free = [SlotFactory(doctor=doctor) for _ in range(2)]
    booked = AppointmentFactory(slot__doctor=doctor).slot
    an_hour_ago = timezone.now().replace(microsecond=0) - HOUR
    past = SlotFactory(doctor=doctor, start=an_hour_ago - HOUR, end=an_hour_ago)
    assert services.withdraw_free_slots(doctor=doctor) == len(free)
    assert set(Slot.objects.filter(doctor=doctor).values_list("pk", flat=True)) == {booked.pk, past.pk}


class TestUpdateDoctor:
    def test_only_an_admin_changes_the_department_and_the_slots_follow(self, doctor):
        slot, department = SlotFactory(doctor=doctor), DepartmentFactory()
        with pytest.raises(PermissionDenied, match="department"):
            services.update_doctor(doctor=doctor, by=doctor.user, department=department)
        services.update_doctor(doctor=doctor, by=UserFactory(role=Role.ADMIN), department=department)
        assert Slot.objects.get(pk=slot.pk).department_id == department.pk

    def test_another_doctor_may_not_change_the_profile(self, doctor, other_doctor):
        with pytest.raises(PermissionDenied):
            services.update_doctor(doctor=doctor, by=other_doctor.user, first_name="Mallory")

    def test_the_doctor_changes_their_own_details_and_nothing_else(self, doctor):
        services.update_doctor(doctor=doctor, by=doctor.user, first_name="Ada", bio="Cardiology")
        doctor.refresh_from_db()
        assert (doctor.user.first_name, doctor.bio) == ("Ada", "Cardiology")
        with pytest.raises(ValidationError) as error:
            services.update_doctor(doctor=doctor, by=doctor.user, email="x@example.org")
        assert "email" in error.value.message_dict


@pytest.mark.parametrize("name", ["", "  ", "cardiology"])
def test_a_blank_or_taken_department_name_is_refused(name):
    DepartmentFactory(name="Cardiology")
    with pytest.raises(ValidationError):
        services.create_department(name=name)
