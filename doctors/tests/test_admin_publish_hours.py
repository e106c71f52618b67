"""Publishing a doctor's hours from the admin, entered in the clinic's local time (Europe/Berlin here)."""

import datetime

import pytest
import time_machine

from accounts.tests.factories import ReceptionistFactory
from doctors.models import Slot
from doctors.tests.factories import DoctorFactory, SlotFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Berlin moves from UTC+1 to UTC+2 on Sunday 2027-03-28; "now" is a week before.
BEFORE_DST = datetime.datetime(2027, 3, 20, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clinic_in_berlin(settings):
    settings.CLINIC_TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def doctor(db):
    return DoctorFactory()


def page(doctor) -> str:
    return f"/admin/doctors/doctor/{doctor.pk}/publish-hours/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def starts(doctor) -> list[datetime.datetime]:
    return list(Slot.objects.filter(doctor=doctor).order_by("start").values_list("start", flat=True))


def test_one_period_entered_in_local_time_becomes_the_right_utc_instants_across_dst(client, receptionist, doctor):
    with time_machine.travel(BEFORE_DST, tick=False):
        client.force_login(receptionist)
        form = client.get(page(doctor))
        assert form.status_code == 200 and b"Europe/Berlin" in form.content
        # Before the change, 09:00 in Berlin is 08:00 UTC; after it, 07:00 UTC.
        before = client.post(page(doctor), {"start": "2027-03-26T09:00", "end": "2027-03-26T11:00"})
        after = client.post(page(doctor), {"start": "2027-03-29T09:00", "end": "2027-03-29T11:00"})
    assert before.status_code == after.status_code == 302
    assert messages_of(after) == [f"Published 2 free slot(s) for {doctor}."]
    assert starts(doctor) == [
        datetime.datetime(2027, 3, 26, 8, tzinfo=UTC),
        datetime.datetime(2027, 3, 26, 9, tzinfo=UTC),
        datetime.datetime(2027, 3, 29, 7, tzinfo=UTC),
        datetime.datetime(2027, 3, 29, 8, tzinfo=UTC),
    ]


def test_weekly_hours_keep_their_local_time_across_dst(client, receptionist, doctor):
    with time_machine.travel(BEFORE_DST, tick=False):
        client.force_login(receptionist)
        response = client.post(
            page(doctor), {"start": "2027-03-22T09:00", "end": "2027-03-22T10:30", "repeat_weekly_until": "2027-04-05"}
        )
        assert messages_of(response) == [
            f"Published 3 free slot(s) for {doctor} (90 minutes left over: slots are whole hours)."
        ]
        # The doctor's page lists them in Berlin time, named.
        html = client.get(f"/admin/doctors/doctor/{doctor.pk}/change/").content.decode()
    assert starts(doctor) == [
        datetime.datetime(2027, 3, 22, 8, tzinfo=UTC),
        datetime.datetime(2027, 3, 29, 7, tzinfo=UTC),
        datetime.datetime(2027, 4, 5, 7, tzinfo=UTC),
    ]
    assert "Mon 2027-03-29 09:00 – 10:00 Europe/Berlin" in html


def test_a_local_time_the_clocks_skip_is_refused_on_the_field(client, receptionist, doctor):
    with time_machine.travel(BEFORE_DST, tick=False):
        client.force_login(receptionist)
        response = client.post(page(doctor), {"start": "2027-03-28T02:30", "end": "2027-03-28T05:00"})
    assert response.status_code == 200
    assert "start" in response.context["form"].errors
    assert starts(doctor) == []


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"start": "2027-03-10T09:00", "end": "2027-03-10T12:00"}, "start", "Availability cannot start in the past."),
        ({"start": "2027-03-26T09:00", "end": "2027-03-26T09:30"}, "end", "The period must be at least one hour"),
        ({"start": "2027-03-26T09:00", "end": "2027-03-26T08:00"}, "end", "end must be after start."),
        (
            {"start": "2027-03-26T09:00", "end": "2027-03-26T12:00", "repeat_weekly_until": "2027-03-01"},
            "repeat_weekly_until",
            "Must not be before the first period's date.",
        ),
        ({"start": "soon", "end": ""}, "start", "Enter a valid date/time."),
    ],
)
def test_the_services_validation_errors_land_on_their_fields(client, receptionist, doctor, data, field, text):
    with time_machine.travel(BEFORE_DST, tick=False):
        client.force_login(receptionist)
        response = client.post(page(doctor), data)
    assert response.status_code == 200
    assert any(text in error for error in response.context["form"].errors[field])
    assert starts(doctor) == []


def test_an_overlap_is_a_form_error_listing_the_slot_in_local_time(client, receptionist, doctor):
    with time_machine.travel(BEFORE_DST, tick=False):
        existing = SlotFactory(
            doctor=doctor,
            start=datetime.datetime(2027, 3, 29, 8, tzinfo=UTC),
            end=datetime.datetime(2027, 3, 29, 9, tzinfo=UTC),
        )
        client.force_login(receptionist)
        response = client.post(page(doctor), {"start": "2027-03-29T09:00", "end": "2027-03-29T12:00"})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "The period overlaps existing slots of this doctor." in errors
    assert f"In the way: slot {existing.pk}, 2027-03-29 10:00–11:00 (free)." in errors
    assert starts(doctor) == [existing.start]


def test_publishing_needs_the_add_slot_permission(client, receptionist, doctor):
    from django.contrib.auth.models import Permission

    receptionist.user_permissions.remove(Permission.objects.get(codename="add_slot"))
    client.force_login(receptionist)
    assert client.get(page(doctor)).status_code == 403
    assert client.post(page(doctor), {"start": "2030-01-07T09:00", "end": "2030-01-07T12:00"}).status_code == 403
    assert starts(doctor) == []


def test_a_staff_doctor_cannot_publish_another_doctors_hours(client, doctor):
    other = DoctorFactory(user=ReceptionistFactory(role="doctor"))
    with time_machine.travel(BEFORE_DST, tick=False):
        client.force_login(other.user)
        response = client.post(page(doctor), {"start": "2027-03-29T09:00", "end": "2027-03-29T12:00"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only this doctor or an admin can publish their working hours."
    ]
    assert starts(doctor) == []
