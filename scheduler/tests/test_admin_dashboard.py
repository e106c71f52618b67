import pytest

from appointments.tests.factories import past_appointment
from doctors.tests.factories import DoctorFactory

pytestmark = pytest.mark.django_db


def test_the_admin_index_is_a_dashboard_of_today(client, admin_user):
    appointment = past_appointment(hours_ago=0)
    DoctorFactory(availability_status="occupied", user__last_name="Busyperson")
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clinic dashboard" in html and 'id="clinic-dashboard"' in html
    assert f"/admin/appointments/appointment/{appointment.pk}/change/" in html
    assert "Busyperson" in html


def test_the_dashboard_needs_staff(client):
    assert client.get("/admin/").status_code == 302
