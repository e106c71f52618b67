import datetime

import pytest
import time_machine

from appointments.invariants import invariant_violations
from appointments.models import Appointment, AppointmentStatus
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_cancel_action_uses_the_service_and_frees_the_slot(staff):
    appointment = AppointmentFactory()
    response = staff.post(
        "/admin/appointments/appointment/",
        {
            "action": "cancel_selected",
            "_selected_action": [appointment.pk],
            "apply": "Cancel",
            "reason": "Clinic closed",
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert Slot.objects.get(pk=appointment.slot_id).status == "free"
    assert appointment.events.get().action == "cancelled"
    assert set(invariant_violations().values()) == {0}


def test_complete_action_refuses_a_future_visit_and_changes_nothing(staff):
    appointment = AppointmentFactory()
    staff.post(
        "/admin/appointments/appointment/", {"action": "complete_selected", "_selected_action": [appointment.pk]}
    )
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


def test_complete_action_after_the_start(client, admin_user):
    appointment = AppointmentFactory()
    with time_machine.travel(appointment.start + datetime.timedelta(minutes=5), tick=False):
        client.force_login(admin_user)
        client.post(
            "/admin/appointments/appointment/", {"action": "complete_selected", "_selected_action": [appointment.pk]}
        )
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.COMPLETED


def test_list_search_by_patient_phone_and_date_hierarchy(staff):
    appointment = AppointmentFactory()
    response = staff.get("/admin/appointments/appointment/", {"q": str(appointment.patient.phone)})
    assert response.status_code == 200
    assert str(appointment.pk).encode() in response.content


def test_no_raw_status_edit_add_or_delete(staff):
    appointment = AppointmentFactory()
    staff.post(f"/admin/appointments/appointment/{appointment.pk}/change/", {"status": "cancelled"})
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED
    assert staff.get("/admin/appointments/appointment/add/").status_code == 403
    assert staff.post(f"/admin/appointments/appointment/{appointment.pk}/delete/", {"post": "yes"}).status_code == 403
