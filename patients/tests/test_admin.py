import pytest

pytestmark = pytest.mark.django_db


def test_a_staff_doctor_cannot_change_a_patient_through_the_admin(client, doctor, patient):
    """The admin calls update_patient with ``by``: its object rule answers 403 here too."""
    doctor.user.is_staff = doctor.user.is_superuser = True
    doctor.user.save()
    client.force_login(doctor.user)
    body = {"phone": "+14155550123", "date_of_birth": patient.date_of_birth.isoformat()}
    assert client.post(f"/admin/patients/patient/{patient.pk}/change/", body).status_code == 403
    patient.refresh_from_db()
    assert str(patient.phone) != "+14155550123"


def test_an_admin_changes_a_patient_through_the_admin(client, admin_user, patient):
    client.force_login(admin_user)
    body = {"phone": "+14155550123", "date_of_birth": patient.date_of_birth.isoformat()}
    assert client.post(f"/admin/patients/patient/{patient.pk}/change/", body).status_code == 302
    patient.refresh_from_db()
    assert str(patient.phone) == "+14155550123"


def test_a_future_date_of_birth_is_a_form_error_not_a_500(client, admin_user, patient):
    client.force_login(admin_user)
    future = (patient.date_of_birth.replace(year=2100)).isoformat()
    response = client.post(
        f"/admin/patients/patient/{patient.pk}/change/", {"phone": "+14155550123", "date_of_birth": future}
    )
    assert response.status_code == 200
    assert "Date of birth cannot be in the future." in response.content.decode()
    patient.refresh_from_db()
    assert patient.date_of_birth.year != 2100 and str(patient.phone) != "+14155550123"
