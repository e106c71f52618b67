import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory

pytestmark = pytest.mark.django_db

SLOTS = "/api/slots/"
UTC = datetime.UTC


BASE = (timezone.now() + datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def hour(h: int) -> datetime.datetime:
    return BASE + datetime.timedelta(hours=h)


class TestConstraints:
    def test_end_must_be_after_start(self, doctor):
        with pytest.raises(IntegrityError):
            Slot.objects.bulk_create(
                [
                    Slot(
                        doctor=doctor,
                        specialization=doctor.specialization,
                        department=doctor.department,
                        start=hour(2),
                        end=hour(1),
                    )
                ]
            )

    def test_same_doctor_and_start_is_refused_everywhere(self, doctor):
        SlotFactory(doctor=doctor, start=hour(1), end=hour(2))
        with pytest.raises(IntegrityError):
            SlotFactory(doctor=doctor, start=hour(1), end=hour(2))

    @pytest.mark.postgres
    def test_overlap_is_refused_by_the_database_even_without_the_service(self, doctor):
        SlotFactory(doctor=doctor, start=hour(1), end=hour(2))
        with pytest.raises(IntegrityError, match="doctors_slot_no_overlap"):
            SlotFactory(
                doctor=doctor,
                start=hour(1) + datetime.timedelta(minutes=30),
                end=hour(2) + datetime.timedelta(minutes=30),
            )

    @pytest.mark.postgres
    def test_touching_slots_and_other_doctors_are_fine(self, doctor):
        SlotFactory(doctor=doctor, start=hour(1), end=hour(2))
        SlotFactory(doctor=doctor, start=hour(2), end=hour(3))
        SlotFactory(doctor=DoctorFactory(), start=hour(1), end=hour(2))
        assert Slot.objects.count() == 3

    def test_unknown_status_is_refused(self, doctor):
        with pytest.raises(IntegrityError):
            SlotFactory(doctor=doctor, status="maybe")


class TestList:
    def test_ordered_by_start_with_all_filters(self, patient_client):
        a, b = DoctorFactory(), DoctorFactory()
        s3 = SlotFactory(doctor=a, start=hour(3), end=hour(4))
        s1 = SlotFactory(doctor=a, start=hour(1), end=hour(2), status=SlotStatus.BOOKED)
        s2 = SlotFactory(doctor=b, start=hour(2), end=hour(3))

        def ids(**params):
            response = patient_client.get(SLOTS, params)
            assert response.status_code == 200, response.json()
            return [s["id"] for s in response.json()["results"]]

        assert ids() == [s1.pk, s2.pk, s3.pk]
        assert ids(doctor=a.pk) == [s1.pk, s3.pk]
        assert ids(specialization=b.specialization_id) == [s2.pk]
        assert ids(department=a.department_id) == [s1.pk, s3.pk]
        assert ids(status="free") == [s2.pk, s3.pk]
        assert ids(start_after=hour(2).isoformat()) == [s2.pk, s3.pk]
        assert ids(start_before=hour(2).isoformat()) == [s1.pk]
        assert ids(start_after=hour(2).isoformat(), start_before=hour(3).isoformat(), status="free") == [s2.pk]

    def test_without_a_window_the_search_starts_now_and_is_bounded(self, patient_client):
        past = SlotFactory(
            start=timezone.now() - datetime.timedelta(hours=3), end=timezone.now() - datetime.timedelta(hours=2)
        )
        soon = SlotFactory(start=hour(1), end=hour(2))
        far = SlotFactory(doctor=soon.doctor, start=hour(24 * 60), end=hour(24 * 60 + 1))

        def ids(**params):
            return [s["id"] for s in patient_client.get(SLOTS, params).json()["results"]]

        assert ids() == [soon.pk]  # clinic-wide: from now, 31 days
        assert ids(doctor=soon.doctor_id) == [soon.pk, far.pk]  # one doctor: a year
        assert ids(start_after=(past.start - datetime.timedelta(minutes=1)).isoformat()) == [past.pk, soon.pk]

    def test_slot_payload_never_names_who_booked_it(self, patient_client):
        slot = SlotFactory(status=SlotStatus.BOOKED)
        body = patient_client.get(f"{SLOTS}{slot.pk}/").json()
        assert set(body) == {"id", "doctor", "start", "end", "status", "specialization", "department"}
        assert body["status"] == "booked"

    @pytest.mark.parametrize(
        "params",
        [
            {"start_after": "2030-06-03T00:00:00"},
            {"start_before": "not-a-date"},
            {"start_after": "2030-06-03T00:00:00+00:00\x00"},
            {"doctor": "abc"},
            {"doctor": "99999999999999999999999"},
            {"status": "gone"},
            # the calendar's ends: the default window or the conversion to UTC would overflow
            {"start_after": "9999-12-01T00:00:00Z"},
            {"start_before": "0001-01-01T00:30:00+01:00"},
        ],
    )
    def test_bad_filters_are_400(self, patient_client, params):
        response = patient_client.get(SLOTS, params)
        assert response.status_code == 400
        assert set(params) <= set(response.json())

    def test_anonymous_is_401(self, api_client):
        assert api_client.get(SLOTS).status_code == 401

    def test_query_count_does_not_grow_with_the_page_size(self, patient_client, django_assert_num_queries):
        doctor = DoctorFactory()
        for h in range(60):
            SlotFactory(doctor=doctor, start=hour(h), end=hour(h + 1))
        with django_assert_num_queries(2):  # the user; the page and its count in one statement
            assert len(patient_client.get(SLOTS, {"page_size": 2}).json()["results"]) == 2
        with django_assert_num_queries(2):
            assert len(patient_client.get(SLOTS, {"page_size": 60}).json()["results"]) == 60

    def test_pages_walk_the_whole_search_with_one_count(self, patient_client, django_assert_num_queries):
        doctor = DoctorFactory()
        slots = [SlotFactory(doctor=doctor, start=hour(h), end=hour(h + 1)) for h in range(5)]
        first = patient_client.get(SLOTS, {"doctor": doctor.pk, "page_size": 2}).json()
        assert first["count"] == 5 and first["previous"] is None
        second = patient_client.get(first["next"]).json()
        with django_assert_num_queries(3):  # the user; page 1 brings the count; then the last page
            last = patient_client.get(SLOTS, {"doctor": doctor.pk, "page_size": 2, "page": "last"}).json()
        assert [s["id"] for s in first["results"] + second["results"] + last["results"]] == [s.pk for s in slots]
        assert second["count"] == last["count"] == 5
        assert last["next"] is None and "page=2" in last["previous"]

    @pytest.mark.parametrize("page", ["0", "-1", "4", "x", "99999999999999999999"])
    def test_a_page_that_is_not_there_is_404(self, patient_client, page):
        doctor = DoctorFactory()
        for h in range(5):
            SlotFactory(doctor=doctor, start=hour(h), end=hour(h + 1))
        response = patient_client.get(SLOTS, {"doctor": doctor.pk, "page_size": 2, "page": page})
        assert response.status_code == 404
        assert response.json()["detail"] == "Invalid page."


class TestDelete:
    def test_doctor_deletes_own_free_slot(self, doctor_client, doctor):
        slot = SlotFactory(doctor=doctor)
        assert doctor_client.delete(f"{SLOTS}{slot.pk}/").status_code == 204
        assert not Slot.objects.filter(pk=slot.pk).exists()

    def test_admin_deletes_any_free_slot(self, admin_client):
        slot = SlotFactory()
        assert admin_client.delete(f"{SLOTS}{slot.pk}/").status_code == 204

    def test_booked_slot_is_409_slot_unavailable(self, doctor_client, doctor):
        slot = SlotFactory(doctor=doctor, status=SlotStatus.BOOKED)
        response = doctor_client.delete(f"{SLOTS}{slot.pk}/")
        assert response.status_code == 409
        assert response.json()["code"] == "slot_unavailable"
        assert Slot.objects.filter(pk=slot.pk).exists()

    def test_another_doctor_or_a_patient_cannot_delete(self, other_doctor_client, patient_client, doctor):
        slot = SlotFactory(doctor=doctor)
        assert other_doctor_client.delete(f"{SLOTS}{slot.pk}/").status_code == 403
        assert patient_client.delete(f"{SLOTS}{slot.pk}/").status_code == 403
        assert Slot.objects.filter(pk=slot.pk).exists()

    def test_unknown_slot_is_404(self, admin_client):
        assert admin_client.delete(f"{SLOTS}999999/").status_code == 404


class TestDoctorProfileShowsNextFreeSlot:
    def test_next_free_slot_is_the_earliest_future_free_one(self, patient_client, doctor):
        SlotFactory(doctor=doctor, start=hour(1), end=hour(2), status=SlotStatus.BOOKED)
        SlotFactory(doctor=doctor, start=hour(5), end=hour(6))
        SlotFactory(doctor=doctor, start=hour(3), end=hour(4))
        body = patient_client.get(f"/api/doctors/{doctor.pk}/").json()
        assert body["next_free_slot"] == hour(3).astimezone(UTC).isoformat().replace("+00:00", "Z")

    def test_none_when_no_free_slot(self, patient_client, doctor):
        assert patient_client.get(f"/api/doctors/{doctor.pk}/").json()["next_free_slot"] is None

    def test_listing_doctors_with_slots_stays_at_three_queries(self, patient_client, django_assert_num_queries):
        for _ in range(10):
            SlotFactory(doctor=DoctorFactory())
        with django_assert_num_queries(3):
            results = patient_client.get("/api/doctors/").json()["results"]
        assert all(d["next_free_slot"] for d in results)


def test_changing_a_doctors_specialization_moves_their_slots_in_search(admin_client, doctor):
    from doctors.tests.factories import SpecializationFactory

    slot = SlotFactory(doctor=doctor)
    new = SpecializationFactory()
    assert (
        admin_client.patch(f"/api/doctors/{doctor.pk}/", {"specialization": new.pk}, format="json").status_code == 200
    )
    slot.refresh_from_db()
    assert slot.specialization_id == new.pk
