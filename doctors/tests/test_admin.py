import pytest

from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DepartmentFactory, SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_doctor_page_shows_upcoming_slots(staff, doctor):
    SlotFactory(doctor=doctor)
    response = staff.get(f"/admin/doctors/doctor/{doctor.pk}/change/")
    assert response.status_code == 200
    assert b"All slots of this doctor" in response.content
    assert b"free" in response.content


def test_a_doctor_profile_cannot_be_moved_to_another_account(staff, doctor, other_doctor):
    page = staff.get(f"/admin/doctors/doctor/{doctor.pk}/change/")
    assert 'name="user"' not in page.content.decode()
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(user=other_doctor.user_id, availability_status=doctor.availability_status)
    staff.post(f"/admin/doctors/doctor/{doctor.pk}/change/", data)
    doctor.refresh_from_db()
    assert doctor.user_id != other_doctor.user_id
    assert staff.get("/admin/doctors/doctor/add/").context["adminform"].form.fields["user"] is not None


def test_slot_list_filters_by_status_and_date(staff):
    SlotFactory.create_batch(3)
    response = staff.get("/admin/doctors/slot/", {"status__exact": "free"})
    assert response.status_code == 200


def test_bulk_delete_removes_free_slots_and_refuses_a_selection_with_a_booked_one(staff):
    free, other_free, booked = SlotFactory(), SlotFactory(), SlotFactory(status=SlotStatus.BOOKED)
    action = {"action": "delete_selected", "post": "yes"}
    refused = staff.post("/admin/doctors/slot/", {**action, "_selected_action": [free.pk, booked.pk]})
    assert refused.status_code == 403
    assert Slot.objects.count() == 3
    done = staff.post("/admin/doctors/slot/", {**action, "_selected_action": [free.pk, other_free.pk]})
    assert done.status_code == 302
    assert list(Slot.objects.values_list("pk", flat=True)) == [booked.pk]


def test_a_booked_slot_cannot_be_deleted_or_changed(staff):
    booked = SlotFactory(status=SlotStatus.BOOKED)
    assert staff.post(f"/admin/doctors/slot/{booked.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Slot.objects.filter(pk=booked.pk).exists()


def test_the_lists_editable_status_saves_through_the_service(staff, doctor):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": doctor.pk,
        "form-0-availability_status": "occupied",
        "_save": "Save",
    }
    assert staff.post("/admin/doctors/doctor/", data).status_code == 302
    doctor.refresh_from_db()
    assert doctor.availability_status == "occupied"


def test_a_new_department_reaches_the_doctors_slots(staff, doctor):
    slot = SlotFactory(doctor=doctor)
    department = DepartmentFactory()
    body = {
        "phone": str(doctor.phone),
        "bio": "",
        "availability_status": "available",
        "specialization": doctor.specialization_id,
        "department": department.pk,
    }
    assert staff.post(f"/admin/doctors/doctor/{doctor.pk}/change/", body).status_code == 302
    slot.refresh_from_db()
    assert slot.department_id == department.pk


def test_a_staff_doctor_cannot_change_another_doctor_through_the_admin(client, doctor, other_doctor):
    """The admin calls update_doctor with ``by``: its object rule answers 403 here too."""
    other_doctor.user.is_staff = other_doctor.user.is_superuser = True
    other_doctor.user.save()
    client.force_login(other_doctor.user)
    body = {
        "phone": "+14155550123",
        "bio": "",
        "availability_status": "available",
        "specialization": doctor.specialization_id,
        "department": doctor.department_id,
    }
    assert client.post(f"/admin/doctors/doctor/{doctor.pk}/change/", body).status_code == 403
    doctor.refresh_from_db()
    assert str(doctor.phone) != "+14155550123"
