"""The clinic's booking policy: one row, admins change it within its ranges, and it binds patients only."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from appointments import services
from appointments.models import BookingPolicy
from appointments.selectors import get_booking_policy
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import SlotFactory
from scheduler.exceptions import PermissionDenied, PolicyViolation

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_the_defaults_apply_until_an_admin_changes_them_in_one_query(admin_user):
    with CaptureQueriesContext(connection) as queries:
        policy = get_booking_policy()
    assert len(queries) == 1
    assert (
        policy.hold_seconds,
        policy.min_notice_minutes,
        policy.cancellation_cutoff_minutes,
        policy.booking_horizon_days,
    ) == (600, 0, 0, 365)
    services.update_booking_policy(by=admin_user, hold_seconds=60)
    services.update_booking_policy(by=admin_user, min_notice_minutes=30)
    policy = get_booking_policy()
    assert (policy.hold_seconds, policy.min_notice_minutes) == (60, 30)
    assert BookingPolicy.objects.count() == 1


@pytest.mark.parametrize("who", ["patient", "doctor"])
def test_only_an_admin_changes_it(request, who):
    with pytest.raises(PermissionDenied):
        services.update_booking_policy(by=request.getfixturevalue(who).user, hold_seconds=60)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"hold_seconds": 9}, {"hold_seconds"}),
        ({"hold_seconds": 3601}, {"hold_seconds"}),
        ({"hold_seconds": "600"}, {"hold_seconds"}),
        ({"hold_seconds": True}, {"hold_seconds"}),
        ({"min_notice_minutes": -1, "booking_horizon_days": 0}, {"min_notice_minutes", "booking_horizon_days"}),
        ({"cancellation_cutoff_minutes": 10081}, {"cancellation_cutoff_minutes"}),
        ({"booking_horizon_days": 731}, {"booking_horizon_days"}),
        ({"colour": 1}, {"colour"}),
        (
            {"min_notice_minutes": 2 * 24 * 60, "booking_horizon_days": 2},
            {"min_notice_minutes", "booking_horizon_days"},
        ),
    ],
)
def test_values_out_of_range_are_refused_naming_the_field(admin_user, changes, fields):
    with pytest.raises(ValidationError) as error:
        services.update_booking_policy(by=admin_user, **changes)
    assert set(error.value.message_dict) == fields
    assert not BookingPolicy.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "row", [{"pk": 2}, {"hold_seconds": 5}, {"booking_horizon_days": 1, "min_notice_minutes": 24 * 60}]
)
def test_the_database_keeps_one_row_within_the_ranges(row):
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingPolicy.objects.create(**row)


@pytest.fixture
def strict(admin_user):
    return services.update_booking_policy(
        by=admin_user, min_notice_minutes=120, booking_horizon_days=7, cancellation_cutoff_minutes=24 * 60
    )


def book(slot, user, patient, hold=False):
    command = services.hold_appointment if hold else services.book_appointment
    return command(patient=patient, slot_id=slot.pk, by=user)


@pytest.mark.parametrize("hold", [False, True])
@pytest.mark.parametrize(
    ("ahead", "rule"),
    [(HOUR, "min_notice_minutes: book at least 120"), (8 * 24 * HOUR, "booking_horizon_days: book at most 7")],
)
def test_a_patient_books_and_holds_within_the_window_and_the_clinic_is_not_bound(
    strict, patient, admin_user, hold, ahead, rule
):
    slot = SlotFactory()
    now = slot.start - ahead
    inside = SlotFactory(start=now + 3 * HOUR, end=now + 4 * HOUR)  # 3 hours ahead: within the window
    with time_machine.travel(now, tick=False):
        with pytest.raises(PolicyViolation, match=rule):
            book(slot, patient.user, patient, hold)
        assert book(slot, admin_user, patient, hold).slot_id == slot.pk
        assert book(inside, patient.user, patient, hold).slot_id == inside.pk


def test_a_patient_cancels_and_reschedules_before_the_cutoff_the_clinic_any_time(strict, patient, doctor, admin_user):
    appointments = [AppointmentFactory(patient=patient, slot__doctor=doctor) for _ in range(3)]
    later = SlotFactory(doctor=doctor, start=appointments[-1].start + 24 * HOUR, end=appointments[-1].end + 24 * HOUR)
    with time_machine.travel(appointments[0].start - 23 * HOUR, tick=False):
        for command in (
            lambda: services.cancel_appointment(appointment=appointments[0], by=patient.user),
            lambda: services.reschedule_appointment(appointment=appointments[0], new_slot_id=later.pk, by=patient.user),
        ):
            with pytest.raises(
                PolicyViolation, match="cancellation_cutoff_minutes: cancel or reschedule at least 1440"
            ):
                command()
        assert services.cancel_appointment(appointment=appointments[0], by=doctor.user).status == "cancelled"
        assert services.cancel_appointment(appointment=appointments[1], by=admin_user).status == "cancelled"
        moved = services.reschedule_appointment(appointment=appointments[2], new_slot_id=later.pk, by=admin_user)
        assert moved.slot_id == later.pk


def test_releasing_a_hold_is_never_late(admin_user, patient):
    slot = SlotFactory()
    with time_machine.travel(slot.start - 3 * HOUR, tick=False):
        held = services.hold_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
        services.update_booking_policy(by=admin_user, cancellation_cutoff_minutes=24 * 60)
        assert services.cancel_appointment(appointment=held, by=patient.user).status == "cancelled"


def test_a_patient_reschedules_only_into_the_window(strict, patient):
    appointment = AppointmentFactory(patient=patient)
    too_soon = SlotFactory(
        doctor=appointment.doctor,
        start=appointment.start - 3 * 24 * HOUR + HOUR,
        end=appointment.start - 3 * 24 * HOUR + 2 * HOUR,
    )
    with time_machine.travel(too_soon.start - HOUR, tick=False), pytest.raises(PolicyViolation, match="min_notice"):
        services.reschedule_appointment(appointment=appointment, new_slot_id=too_soon.pk, by=patient.user)
