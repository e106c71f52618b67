import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import issue_tokens
from doctors.models import Slot
from doctors.tests.factories import DoctorFactory, SlotFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def url(doctor) -> str:
    return f"/api/doctors/{doctor.pk}/availability/"


def iso(y, mo, d, h, mi=0) -> str:
    return datetime.datetime(y, mo, d, h, mi, tzinfo=UTC).isoformat()


class TestPublish:
    def test_doctor_publishes_own_hours_as_1_hour_slots(self, doctor_client, doctor):
        response = doctor_client.post(
            url(doctor), {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 12, 30)}, format="json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert [(s["start"], s["end"]) for s in body["slots"]] == [
            ("2027-01-05T09:00:00Z", "2027-01-05T10:00:00Z"),
            ("2027-01-05T10:00:00Z", "2027-01-05T11:00:00Z"),
            ("2027-01-05T11:00:00Z", "2027-01-05T12:00:00Z"),
        ]
        assert body["unused_minutes"] == 30
        assert {s["status"] for s in body["slots"]} == {"free"}
        assert {s["doctor"] for s in body["slots"]} == {doctor.pk}
        assert Slot.objects.filter(doctor=doctor).count() == 3

    def test_admin_publishes_for_any_doctor(self, admin_client, doctor):
        response = admin_client.post(
            url(doctor), {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 10)}, format="json"
        )
        assert response.status_code == 201

    def test_another_doctor_or_a_patient_is_403_and_nothing_is_created(
        self, other_doctor_client, patient_client, doctor
    ):
        body = {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 10)}
        assert other_doctor_client.post(url(doctor), body, format="json").status_code == 403
        assert patient_client.post(url(doctor), body, format="json").status_code == 403
        assert not Slot.objects.exists()

    def test_unknown_doctor_is_404(self, admin_client):
        body = {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 10)}
        assert admin_client.post("/api/doctors/999999/availability/", body, format="json").status_code == 404

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"start": "2027-01-05T09:00:00", "end": iso(2027, 1, 5, 12)}, "start"),
            ({"start": iso(2027, 1, 5, 9), "end": "2027-01-05T12:00:00"}, "end"),
            ({"start": iso(2027, 1, 5, 12), "end": iso(2027, 1, 5, 9)}, "end"),
            ({"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 9)}, "end"),
            ({"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 9, 59)}, "end"),
            ({"start": iso(2027, 1, 5, 9), "end": iso(2029, 1, 5, 9)}, "end"),
            ({"start": iso(2027, 1, 3, 9), "end": iso(2027, 1, 3, 12)}, "start"),
            ({"start": "tomorrow", "end": iso(2027, 1, 5, 12)}, "start"),
            (
                {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 12), "repeat_weekly_until": "2027-13-01"},
                "repeat_weekly_until",
            ),
            (
                {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 12), "repeat_weekly_until": "2026-12-01"},
                "repeat_weekly_until",
            ),
            (
                {"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 12), "repeat_weekly_until": "2029-01-01"},
                "repeat_weekly_until",
            ),
            (
                {"start": iso(2027, 1, 5, 0), "end": iso(2027, 1, 6, 0), "repeat_weekly_until": "2027-12-31"},
                "repeat_weekly_until",
            ),
            ({"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 12), "time_zone": "Mars/Olympus"}, "time_zone"),
            ({"start": iso(2027, 1, 5, 9), "end": iso(2027, 1, 5, 12), "status": "booked"}, "status"),
            ({"end": iso(2027, 1, 5, 12)}, "start"),
            # the calendar's ends: converting to UTC would overflow
            ({"start": "0001-01-01T00:30:00+01:00", "end": iso(2027, 1, 5, 12)}, "start"),
            ({"start": iso(2027, 1, 5, 9), "end": "9999-12-31T23:30:00-01:00"}, "end"),
        ],
    )
    def test_bad_input_is_400_naming_the_field_and_creates_nothing(self, doctor_client, doctor, body, field):
        response = doctor_client.post(url(doctor), body, format="json")
        assert response.status_code == 400, response.json()
        assert field in response.json()
        assert not Slot.objects.exists()

    def test_naive_datetime_message_asks_for_an_offset(self, doctor_client, doctor):
        response = doctor_client.post(
            url(doctor), {"start": "2027-01-05T09:00:00", "end": iso(2027, 1, 5, 12)}, format="json"
        )
        assert "UTC offset" in response.json()["start"][0]

    def test_weekly_repetition_across_a_dst_change_keeps_local_hours(self, doctor_client, doctor):
        berlin = ZoneInfo("Europe/Berlin")
        start = datetime.datetime(2027, 3, 22, 9, tzinfo=berlin).isoformat()
        end = datetime.datetime(2027, 3, 22, 11, tzinfo=berlin).isoformat()
        response = doctor_client.post(
            url(doctor),
            {"start": start, "end": end, "repeat_weekly_until": "2027-04-05", "time_zone": "Europe/Berlin"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        starts = [datetime.datetime.fromisoformat(s["start"]) for s in response.json()["slots"]]
        assert len(starts) == 6
        assert {s.astimezone(berlin).hour for s in starts} == {9, 10}
        assert [s.hour for s in starts] == [8, 9, 7, 8, 7, 8]  # UTC moves by an hour after 2027-03-28


class TestOverlap:
    @pytest.fixture
    def existing(self, doctor):
        # 10:00-12:00 UTC on 2027-01-05
        return [
            SlotFactory(
                doctor=doctor,
                start=datetime.datetime(2027, 1, 5, h, tzinfo=UTC),
                end=datetime.datetime(2027, 1, 5, h + 1, tzinfo=UTC),
            )
            for h in (10, 11)
        ]

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ((10, 0), (12, 0)),  # identical
            ((10, 0), (11, 0)),  # inside
            ((9, 0), (13, 0)),  # around
            ((9, 30), (10, 30)),  # over the start
            ((11, 30), (13, 0)),  # over the end
        ],
    )
    def test_any_overlap_is_409_listing_conflicts_and_creates_nothing(
        self, doctor_client, doctor, existing, start, end
    ):
        response = doctor_client.post(
            url(doctor), {"start": iso(2027, 1, 5, *start), "end": iso(2027, 1, 5, *end)}, format="json"
        )
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "slot_overlap"
        assert body["conflicts"] and {c["id"] for c in body["conflicts"]} <= {s.pk for s in existing}
        assert Slot.objects.count() == 2

    @pytest.mark.parametrize(("start", "end"), [((8, 0), (10, 0)), ((12, 0), (14, 0))])
    def test_touching_edges_are_allowed(self, doctor_client, doctor, existing, start, end):
        response = doctor_client.post(
            url(doctor), {"start": iso(2027, 1, 5, *start), "end": iso(2027, 1, 5, *end)}, format="json"
        )
        assert response.status_code == 201

    def test_another_doctors_slots_do_not_conflict(self, admin_client, existing):
        other = DoctorFactory()
        response = admin_client.post(
            url(other), {"start": iso(2027, 1, 5, 10), "end": iso(2027, 1, 5, 12)}, format="json"
        )
        assert response.status_code == 201

    def test_one_overlapping_week_in_a_repetition_creates_nothing_at_all(self, doctor_client, doctor, existing):
        # Tuesdays 10:00-12:00 from 2026-12-29... the first week is in the past; start on 2026-12-29 + 7 days
        body = {"start": iso(2027, 1, 5, 8), "end": iso(2027, 1, 5, 10), "repeat_weekly_until": "2027-02-02"}
        assert doctor_client.post(url(doctor), body, format="json").status_code == 201
        body = {"start": iso(2027, 1, 5, 11), "end": iso(2027, 1, 5, 13), "repeat_weekly_until": "2027-02-02"}
        response = doctor_client.post(url(doctor), body, format="json")
        assert response.status_code == 409
        assert Slot.objects.filter(start__hour=12).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_publications_never_overlap_and_never_5xx():
    doctor = DoctorFactory()
    token = issue_tokens(user=doctor.user).access
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def publish(offset_minutes: int):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            start = datetime.datetime(2027, 1, 5, 9, tzinfo=UTC) + datetime.timedelta(minutes=offset_minutes)
            barrier.wait()
            response = client.post(
                url(doctor),
                {"start": start.isoformat(), "end": (start + datetime.timedelta(hours=3)).isoformat()},
                format="json",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(15 * i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 9
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM doctors_slot a JOIN doctors_slot b
               ON a.doctor_id = b.doctor_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end" """
        )
        assert cursor.fetchone()[0] == 0
