"""The front desk in the admin: each operation through the admin pages, as a receptionist meets it.

For every operation: the success message, the service's refusal shown (on the form or as an error
message), nothing written on a refusal, and never a 500.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.factories import ReceptionistFactory
from appointments.models import Appointment, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LIST = "/admin/appointments/appointment/"
WALK_IN = LIST + "walk-in/"


@pytest.fixture(autouse=True)
def _clinic_in_berlin(settings):
    settings.CLINIC_TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def desk(client, receptionist):
    client.force_login(receptionist)
    return client


def texts(response) -> list[str]:
    """The messages this request added (earlier ones wait in the session until a page shows them)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def tomorrow_at(hour: int) -> datetime.datetime:
    day = datetime.datetime.now(BERLIN).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BERLIN)


def visit_at(start: datetime.datetime, **kwargs) -> Appointment:
    return AppointmentFactory(slot__start=start, slot__end=start + datetime.timedelta(hours=1), **kwargs)


def act(client, action: str, *appointments: Appointment, **extra):
    return client.post(LIST, {"action": action, "_selected_action": [a.pk for a in appointments], **extra})


def events(appointment: Appointment) -> list[str]:
    return list(appointment.events.values_list("action", flat=True))


# ---- list actions ------------------------------------------------------------------------------------


def test_check_in_and_complete_on_the_day_of_the_visit(client, receptionist):
    appointment = visit_at(tomorrow_at(10))
    with time_machine.travel(appointment.start - datetime.timedelta(minutes=20), tick=False):
        client.force_login(receptionist)
        response = act(client, "check_in_selected", appointment)
        assert response.status_code == 302
        assert texts(response) == ["1 appointment(s) checked in."]
        assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CHECKED_IN
    with time_machine.travel(appointment.start + datetime.timedelta(minutes=30), tick=False):
        response = act(client, "complete_selected", appointment)
        assert texts(response) == ["1 appointment(s) completed."]
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.COMPLETED
    assert events(appointment) == ["checked_in", "completed"]


def test_check_in_on_another_day_shows_the_services_refusal_and_writes_nothing(desk):
    appointment = visit_at(tomorrow_at(10))
    response = act(desk, "check_in_selected", appointment)
    assert response.status_code == 302
    [message] = texts(response)
    assert message.startswith(f"Appointment {appointment.pk}: Check-in is on the day of the visit")
    assert "Europe/Berlin" in message
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED
    assert events(appointment) == []


def test_no_show_after_the_start_and_refused_before(client, receptionist):
    appointment = visit_at(tomorrow_at(10))
    client.force_login(receptionist)
    assert texts(act(client, "no_show_selected", appointment)) == [
        f"Appointment {appointment.pk}: The visit has not started yet."
    ]
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED
    with time_machine.travel(appointment.start + datetime.timedelta(minutes=15), tick=False):
        client.force_login(receptionist)
        assert texts(act(client, "no_show_selected", appointment)) == ["1 appointment(s) marked as no-shows."]
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.NO_SHOW


def test_confirm_a_hold_and_refuse_an_expired_one(desk):
    hold = AppointmentFactory(status=AppointmentStatus.PENDING)
    expired = AppointmentFactory(
        status=AppointmentStatus.PENDING, hold_expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(1)
    )
    response = act(desk, "confirm_selected", hold, expired)
    assert texts(response) == [
        f"Appointment {expired.pk}: The hold ran out before it was confirmed; hold the slot again if it is still free.",
        "1 appointment(s) confirmed.",
    ]
    assert Appointment.objects.get(pk=hold.pk).status == AppointmentStatus.SCHEDULED
    assert Slot.objects.get(pk=hold.slot_id).status == SlotStatus.BOOKED
    assert Appointment.objects.get(pk=expired.pk).status == AppointmentStatus.PENDING  # nothing written


def test_the_list_shows_an_expired_hold_as_cancelled(desk):
    AppointmentFactory(
        status=AppointmentStatus.PENDING, hold_expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(1)
    )
    html = desk.get(LIST).content.decode()
    assert '<td class="field-status_now">Cancelled</td>' in html


def test_bulk_cancel_asks_for_a_reason_then_cancels_through_the_service(desk):
    first, second = AppointmentFactory(), AppointmentFactory()
    page = act(desk, "cancel_selected", first, second)
    assert page.status_code == 200 and b'name="reason"' in page.content
    assert Appointment.objects.with_status(AppointmentStatus.CANCELLED).count() == 0
    refused = act(desk, "cancel_selected", first, second, apply="Cancel", reason="")
    assert refused.status_code == 200 and b"This field is required." in refused.content
    assert Appointment.objects.with_status(AppointmentStatus.CANCELLED).count() == 0
    done = act(desk, "cancel_selected", first, second, apply="Cancel", reason="Doctor ill")
    assert done.status_code == 302
    assert texts(done) == ["2 appointment(s) cancelled."]
    for appointment in (first, second):
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancellation_reason) == (AppointmentStatus.CANCELLED, "Doctor ill")
        assert Slot.objects.get(pk=appointment.slot_id).status == SlotStatus.FREE


def test_a_user_without_the_change_permission_gets_no_front_desk(client, receptionist):
    from django.contrib.auth.models import Permission

    receptionist.user_permissions.remove(Permission.objects.get(codename="change_appointment"))
    client.force_login(receptionist)
    appointment = AppointmentFactory()
    assert client.get(WALK_IN).status_code == 403
    assert client.get(f"{LIST}{appointment.pk}/cancel/").status_code == 403
    assert client.get(f"{LIST}{appointment.pk}/reschedule/").status_code == 403
    assert b"check_in_selected" not in client.get(LIST).content
    act(client, "cancel_selected", appointment, apply="Cancel", reason="x")
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


def test_a_staff_doctor_cannot_check_in_another_doctors_visit(client):
    staff_doctor = ReceptionistFactory(role="doctor")
    DoctorFactory(user=staff_doctor)
    appointment = visit_at(tomorrow_at(10))
    with time_machine.travel(appointment.start - datetime.timedelta(minutes=5), tick=False):
        client.force_login(staff_doctor)
        response = act(client, "check_in_selected", appointment)
    assert texts(response) == [f"Appointment {appointment.pk}: Only the appointment's doctor or an admin can do this."]
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


# ---- walk-in ---------------------------------------------------------------------------------------


def test_the_walk_in_page_offers_the_days_free_slots_in_clinic_time(desk):
    slot = SlotFactory(start=tomorrow_at(9), end=tomorrow_at(10))
    SlotFactory(doctor=slot.doctor, start=tomorrow_at(11), end=tomorrow_at(12), status=SlotStatus.BOOKED)
    response = desk.get(WALK_IN, {"day": tomorrow_at(9).date().isoformat(), "doctor": slot.doctor_id})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Europe/Berlin" in html
    assert f'<option value="{slot.pk}">{tomorrow_at(9):%a %d %b} 09:00–10:00 · {slot.doctor}</option>' in html
    assert "11:00–12:00" not in html  # booked: not offered


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_slot_finder_refuses_a_day_out_of_range(desk, day):
    response = desk.get(WALK_IN, {"day": day})
    assert response.status_code == 200  # the page, offering today's slots, not a 500
    assert "Enter a day between the years 1900 and 8999." in response.content.decode()


def test_walk_in_booking(desk):
    patient, slot = PatientFactory(), SlotFactory()
    response = desk.post(WALK_IN, {"patient": patient.pk, "slot": slot.pk, "reason": "Walk-in", "mode": "book"})
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{appointment.pk}/change/"
    [message] = texts(response)
    assert message.startswith("Booked ") and str(patient) in message
    assert (appointment.patient, appointment.status, appointment.reason) == (
        patient,
        AppointmentStatus.SCHEDULED,
        "Walk-in",
    )
    assert Slot.objects.get(pk=slot.pk).status == SlotStatus.BOOKED
    assert appointment.events.get().actor_id == response.wsgi_request.user.pk


def test_walk_in_hold_then_confirm(desk):
    patient, slot = PatientFactory(), SlotFactory()
    response = desk.post(WALK_IN, {"patient": patient.pk, "slot": slot.pk, "mode": "hold"})
    hold = Appointment.objects.get()
    assert hold.status == AppointmentStatus.PENDING and Slot.objects.get(pk=slot.pk).status == SlotStatus.HELD
    assert "confirm it to book" in texts(response)[0]
    assert texts(act(desk, "confirm_selected", hold)) == ["1 appointment(s) confirmed."]
    assert Appointment.objects.get(pk=hold.pk).status == AppointmentStatus.SCHEDULED


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("taken", "This slot is already booked."),
        ("gone", "This slot does not exist or was deleted."),
        ("overlap", "The patient already has an appointment at an overlapping time."),
        ("past", "This slot is in the past."),
    ],
)
def test_walk_in_shows_the_services_refusal_on_the_form_and_writes_nothing(desk, case, expected):
    patient = PatientFactory()
    slot = SlotFactory()
    slot_id = slot.pk
    if case == "taken":
        AppointmentFactory(slot=slot)
    elif case == "gone":
        slot.delete()
    elif case == "overlap":
        AppointmentFactory(patient=patient, slot__start=slot.start, slot__end=slot.end)
    elif case == "past":
        Slot.objects.filter(pk=slot.pk).update(
            start=slot.start - datetime.timedelta(days=30), end=slot.end - datetime.timedelta(days=30)
        )
    before = Appointment.objects.count()
    response = desk.post(WALK_IN, {"patient": patient.pk, "slot": slot_id, "mode": "book"})
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html and "Nothing was changed" in html
    assert Appointment.objects.count() == before
    assert not texts(response)


def test_walk_in_bad_input_is_a_field_error(desk):
    response = desk.post(WALK_IN, {"patient": 10**30, "slot": 2**70, "mode": "sideways"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"patient", "slot", "mode"}
    assert Appointment.objects.count() == 0


# ---- one appointment: cancel with a reason, reschedule ------------------------------------------------


def test_cancel_one_appointment_with_a_reason(desk):
    appointment = AppointmentFactory()
    page = desk.get(f"{LIST}{appointment.pk}/cancel/")
    assert page.status_code == 200 and b"Europe/Berlin" in page.content
    response = desk.post(f"{LIST}{appointment.pk}/cancel/", {"reason": "Patient phoned"})
    assert response.status_code == 302
    assert texts(response) == [f"Appointment {appointment.pk} cancelled; its slot is free."]
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancellation_reason) == (AppointmentStatus.CANCELLED, "Patient phoned")


def test_cancel_refused_by_the_service_is_shown_and_nothing_is_written(desk):
    appointment = AppointmentFactory(status=AppointmentStatus.COMPLETED)
    response = desk.post(f"{LIST}{appointment.pk}/cancel/", {"reason": "Oops"})
    assert response.status_code == 200
    assert b"A completed appointment cannot be cancelled." in response.content
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancellation_reason) == (AppointmentStatus.COMPLETED, "")
    assert desk.post(f"{LIST}{appointment.pk}/cancel/", {"reason": ""}).context["form"].errors == {
        "reason": ["This field is required."]
    }
    assert desk.get(f"{LIST}999999999/cancel/").status_code == 404


def test_reschedule_to_another_slot(desk):
    appointment = AppointmentFactory()
    target = SlotFactory(doctor=appointment.doctor)
    page = desk.get(f"{LIST}{appointment.pk}/reschedule/")
    assert page.status_code == 200
    response = desk.post(f"{LIST}{appointment.pk}/reschedule/", {"slot": target.pk})
    assert response.status_code == 302
    assert texts(response)[0].startswith(f"Appointment {appointment.pk} moved to ")
    appointment.refresh_from_db()
    assert appointment.slot_id == target.pk
    assert Slot.objects.get(pk=target.pk).status == SlotStatus.BOOKED


def test_reschedule_into_a_taken_slot_shows_the_refusal(desk):
    appointment = AppointmentFactory()
    taken = AppointmentFactory().slot
    response = desk.post(f"{LIST}{appointment.pk}/reschedule/", {"slot": taken.pk})
    assert response.status_code == 200 and b"This slot is already booked." in response.content
    assert Appointment.objects.get(pk=appointment.pk).slot_id == appointment.slot_id
    assert events(appointment) == []


def test_the_change_page_links_the_front_desk_pages_and_keeps_status_read_only(desk):
    appointment = AppointmentFactory()
    html = desk.get(f"{LIST}{appointment.pk}/change/").content.decode()
    assert f"{LIST}{appointment.pk}/cancel/" in html and f"{LIST}{appointment.pk}/reschedule/" in html
    assert 'name="status"' not in html
    assert WALK_IN in desk.get(LIST).content.decode()


def test_every_status_field_in_the_admin_is_read_only(admin_user):
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        names = {f.name for f in model._meta.fields if f.name == "status"}
        if not names:
            continue
        readonly = set(model_admin.get_readonly_fields(request, None)) | set(
            model_admin.get_readonly_fields(request, model._default_manager.model())
        )
        assert names <= readonly or not model_admin.has_change_permission(request), model


# ---- the booking policy's admin page ------------------------------------------------------------------

POLICY = "/admin/appointments/bookingpolicy/"
POLICY_FORM = {
    "hold_seconds": 300,
    "min_notice_minutes": 60,
    "cancellation_cutoff_minutes": 120,
    "booking_horizon_days": 90,
}


def test_an_admin_changes_the_booking_policy_through_the_service(client, admin_user):
    from appointments.models import BookingPolicy

    client.force_login(admin_user)
    page = client.get(POLICY)
    assert page.status_code == 200 and b'value="600"' in page.content  # the defaults, before any row
    response = client.post(POLICY, POLICY_FORM)
    assert response.status_code == 302 and texts(response) == ["The booking policy is saved."]
    policy = BookingPolicy.objects.get()
    assert (policy.hold_seconds, policy.min_notice_minutes, policy.booking_horizon_days) == (300, 60, 90)
    assert b"Booking policy" in client.get("/admin/").content


def test_a_policy_value_out_of_range_is_a_field_error_and_nothing_is_saved(client, admin_user):
    from appointments.models import BookingPolicy

    client.force_login(admin_user)
    response = client.post(POLICY, {**POLICY_FORM, "hold_seconds": 5})
    assert response.status_code == 200
    assert response.context["form"].errors == {"hold_seconds": ["Must be a whole number from 10 to 3600."]}
    assert not BookingPolicy.objects.exists()


def test_only_an_admin_role_user_changes_the_policy(client, receptionist):
    from django.contrib.auth.models import Permission

    from appointments.models import BookingPolicy

    staff_doctor = ReceptionistFactory(role="doctor")
    staff_doctor.user_permissions.add(Permission.objects.get(codename="change_bookingpolicy"))
    client.force_login(staff_doctor)
    response = client.post(POLICY, POLICY_FORM)
    assert response.context["form"].non_field_errors() == ["Only an admin can change the booking policy."]
    assert not BookingPolicy.objects.exists()
    client.force_login(receptionist)  # without the model permission: no page at all
    assert client.get(POLICY).status_code == 403
