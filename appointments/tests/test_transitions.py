"""Every transition × every role at the service level, and check-in's day in the clinic's time zone."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from appointments import services
from appointments.models import AppointmentStatus
from appointments.tests.factories import AppointmentFactory, past_appointment
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory
from records import services as records
from scheduler.exceptions import InvalidTransition, PermissionDenied

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
ROLES = ["patient", "other_patient", "doctor", "other_doctor", "admin"]


def user_for(role: str, appointment, admin_user):
    return {
        "patient": lambda: appointment.patient.user,
        "other_patient": lambda: PatientFactory().user,
        "doctor": lambda: appointment.doctor.user,
        "other_doctor": lambda: DoctorFactory().user,
        "admin": lambda: admin_user,
    }[role]()


def pending():
    slot = SlotFactory()
    patient = PatientFactory()
    return services.hold_appointment(patient=patient, slot_id=slot.pk, by=patient.user)


def started():
    return past_appointment(hours_ago=0)  # started at the top of this hour, ends within the hour


# transition: (the appointment it starts from, the command, the roles allowed)
TRANSITIONS = {
    "confirm": (pending, lambda a, u: services.confirm_appointment(appointment=a, by=u), {"patient", "admin"}),
    "release": (pending, lambda a, u: services.cancel_appointment(appointment=a, by=u), {"patient", "doctor", "admin"}),
    "cancel": (
        AppointmentFactory,
        lambda a, u: services.cancel_appointment(appointment=a, by=u),
        {"patient", "doctor", "admin"},
    ),
    "reschedule": (
        AppointmentFactory,
        lambda a, u: services.reschedule_appointment(
            appointment=a,
            new_slot_id=SlotFactory(
                doctor=a.doctor, start=a.start + datetime.timedelta(days=1), end=a.end + datetime.timedelta(days=1)
            ).pk,
            by=u,
        ),
        {"patient", "admin"},
    ),
    "check_in": (started, lambda a, u: services.check_in_appointment(appointment=a, by=u), {"doctor", "admin"}),
    "complete": (started, lambda a, u: services.complete_appointment(appointment=a, by=u), {"doctor", "admin"}),
    "no_show": (started, lambda a, u: services.mark_no_show(appointment=a, by=u), {"doctor", "admin"}),
}
EXPECTED = {
    "confirm": "scheduled",
    "release": "cancelled",
    "cancel": "cancelled",
    "reschedule": "scheduled",
    "check_in": "checked_in",
    "complete": "completed",
    "no_show": "no_show",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", list(TRANSITIONS))
def test_every_transition_for_every_role(admin_user, transition, role):
    make, command, allowed = TRANSITIONS[transition]
    appointment = make()
    before = appointment.status
    user = user_for(role, appointment, admin_user)
    if role in allowed:
        assert command(appointment, user).status == EXPECTED[transition]
    else:
        with pytest.raises(PermissionDenied):
            command(appointment, user)
        appointment.refresh_from_db()
        assert appointment.status == before


@pytest.mark.parametrize(
    ("status", "command"),
    [
        ("pending", "check_in"),
        ("checked_in", "check_in"),
        ("completed", "check_in"),
        ("cancelled", "check_in"),
        ("pending", "complete"),
        ("cancelled", "complete"),
        ("no_show", "complete"),
        ("checked_in", "no_show"),
        ("pending", "no_show"),
        ("checked_in", "cancel"),
        ("completed", "cancel"),
        ("checked_in", "reschedule"),
    ],
)
def test_transitions_from_the_wrong_status_are_invalid(admin_user, status, command):
    appointment = started()
    appointment.status = status
    appointment.hold_expires_at = appointment.end if status == "pending" else None
    appointment.save()
    calls = {
        "check_in": lambda: services.check_in_appointment(appointment=appointment, by=admin_user),
        "complete": lambda: services.complete_appointment(appointment=appointment, by=admin_user),
        "no_show": lambda: services.mark_no_show(appointment=appointment, by=admin_user),
        "cancel": lambda: services.cancel_appointment(appointment=appointment, by=admin_user),
        "reschedule": lambda: services.reschedule_appointment(
            appointment=appointment, new_slot_id=SlotFactory().pk, by=admin_user
        ),
    }
    with pytest.raises(InvalidTransition):
        calls[command]()


def test_a_checked_in_visit_completes_and_gets_its_record(doctor):
    visit = past_appointment(hours_ago=0, slot__doctor=doctor)
    services.check_in_appointment(appointment=visit, by=doctor.user)
    records.create_record(appointment_id=visit.pk, by=doctor.user, ip=None, diagnosis="Flu")
    assert services.complete_appointment(appointment=visit, by=doctor.user).status == AppointmentStatus.COMPLETED


def test_a_hold_gets_no_record():
    appointment = pending()
    doctor_user = appointment.doctor.user
    with (
        time_machine.travel(appointment.start + datetime.timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError),
    ):
        records.create_record(appointment_id=appointment.pk, by=doctor_user, ip=None, diagnosis="x")


def local(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("visit_start", "now", "allowed"),
    [
        # Spring forward (2027-03-28, 02:00 → 03:00): a visit at 00:30 on the change day.
        (local(2027, 3, 28, 0, 30), local(2027, 3, 27, 23, 59), False),
        (local(2027, 3, 28, 0, 30), local(2027, 3, 28, 0, 0), True),
        # A visit at 23:30 on the short day is still on it, 22 real hours after its midnight.
        (local(2027, 3, 28, 23, 30), local(2027, 3, 28, 0, 0), True),
        (local(2027, 3, 29, 0, 30), local(2027, 3, 28, 23, 59), False),
        # Fall back (2027-10-31, 03:00 → 02:00): a visit at 00:30 on the change day.
        (local(2027, 10, 31, 0, 30), local(2027, 10, 30, 23, 59), False),
        (local(2027, 10, 31, 0, 30), local(2027, 10, 31, 0, 0), True),
        # The long day (25 real hours): a visit at 23:30 is on the day that began 24.5 hours before it.
        (local(2027, 10, 31, 23, 30), local(2027, 10, 31, 0, 1), True),
        (local(2027, 11, 1, 0, 30), local(2027, 10, 31, 23, 59), False),
        # Before the end, not after it.
        (local(2027, 10, 31, 10, 0), local(2027, 10, 31, 10, 59), True),
        (local(2027, 10, 31, 10, 0), local(2027, 10, 31, 11, 0), False),
    ],
)
def test_check_in_on_the_clinics_calendar_day_across_daylight_saving(settings, visit_start, now, allowed):
    settings.CLINIC_TIME_ZONE = "Europe/Berlin"
    start = visit_start.astimezone(datetime.UTC)
    appointment = AppointmentFactory(slot__start=start, slot__end=start + datetime.timedelta(hours=1))
    with time_machine.travel(now, tick=False):
        if allowed:
            assert services.check_in_appointment(appointment=appointment, by=appointment.doctor.user).status == (
                "checked_in"
            )
        else:
            with pytest.raises(InvalidTransition):
                services.check_in_appointment(appointment=appointment, by=appointment.doctor.user)
