"""Holds at the service level: hold, confirm, release, expiry without a race, the sweep, how statuses read."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appointments import services
from appointments.invariants import invariant_violations
from appointments.models import Appointment, AppointmentEvent, AppointmentStatus
from appointments.statuses import FHIR_APPOINTMENT_STATUS, FHIR_SLOT_STATUS
from appointments.tests.factories import AppointmentFactory
from doctors.models import Slot, SlotStatus
from doctors.selectors import SlotSearch, search_slots
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory
from scheduler.exceptions import HoldExpired, InvalidTransition, PatientConflict, PermissionDenied, SlotUnavailable

pytestmark = pytest.mark.django_db

# FHIR R4 value sets (FHIR.md): the codes our statuses may map to.
FHIR_APPOINTMENT_CODES = {
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
}
FHIR_SLOT_CODES = {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}


def hold(patient, slot, by=None) -> Appointment:
    return services.hold_appointment(patient=patient, slot_id=slot.pk, by=by or patient.user)


def status_of(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def actions(appointment) -> list[str]:
    return list(AppointmentEvent.objects.filter(appointment=appointment).values_list("action", flat=True))


def assert_consistent():
    assert invariant_violations() == dict.fromkeys(invariant_violations(), 0)


def test_every_status_has_its_fhir_code():
    assert set(FHIR_APPOINTMENT_STATUS) == set(AppointmentStatus.values)
    assert set(FHIR_APPOINTMENT_STATUS.values()) <= FHIR_APPOINTMENT_CODES
    assert set(FHIR_SLOT_STATUS) == set(SlotStatus.values)
    assert set(FHIR_SLOT_STATUS.values()) <= FHIR_SLOT_CODES


class TestHold:
    def test_a_hold_is_pending_until_its_expiry_and_its_slot_held(self, patient):
        slot = SlotFactory()
        with time_machine.travel(slot.start - datetime.timedelta(days=1), tick=False):
            appointment = hold(patient, slot)
            assert appointment.hold_expires_at == timezone.now() + datetime.timedelta(seconds=600)
        assert (status_of(appointment), status_of(slot)) == ("pending", "held")
        assert actions(appointment) == ["held"]
        assert_consistent()

    def test_a_hold_never_outlives_the_slots_start(self, patient):
        slot = SlotFactory()
        with time_machine.travel(slot.start - datetime.timedelta(minutes=3), tick=False):
            assert hold(patient, slot).hold_expires_at == slot.start

    @pytest.mark.parametrize("second", ["hold", "book"])
    def test_a_held_slot_cannot_be_held_or_booked_by_anyone_else(self, patient, other_patient, second):
        slot = SlotFactory()
        hold(patient, slot)
        command = services.hold_appointment if second == "hold" else services.book_appointment
        with pytest.raises(SlotUnavailable):
            command(patient=other_patient, slot_id=slot.pk, by=other_patient.user)

    @pytest.mark.postgres
    def test_a_hold_counts_in_the_patients_overlap(self, patient):
        slot = SlotFactory()
        same_hour = SlotFactory(doctor=DoctorFactory(), start=slot.start, end=slot.end)
        hold(patient, slot)
        with pytest.raises(PatientConflict):
            services.book_appointment(patient=patient, slot_id=same_hour.pk, by=patient.user)

    def test_the_database_wants_an_expiry_exactly_while_pending(self):
        appointment = AppointmentFactory()
        appointment.hold_expires_at = timezone.now()
        with pytest.raises(IntegrityError), transaction.atomic():
            appointment.save()


class TestConfirm:
    def test_confirm_books_the_slot_and_a_second_confirm_changes_nothing(self, patient):
        slot = SlotFactory()
        appointment = hold(patient, slot)
        confirmed = services.confirm_appointment(appointment=appointment, by=patient.user)
        assert (confirmed.status, confirmed.hold_expires_at) == ("scheduled", None)
        assert (status_of(appointment), status_of(slot)) == ("scheduled", "booked")
        again = services.confirm_appointment(appointment=appointment, by=patient.user)
        assert again.status == "scheduled"
        assert actions(appointment) == ["held", "confirmed"]
        assert_consistent()

    @pytest.mark.parametrize("late", [datetime.timedelta(0), datetime.timedelta(seconds=1)])
    def test_confirming_at_or_after_the_expiry_is_hold_expired_and_writes_nothing(self, patient, late):
        appointment = hold(patient, SlotFactory())
        with time_machine.travel(appointment.hold_expires_at + late, tick=False), pytest.raises(HoldExpired):
            services.confirm_appointment(appointment=appointment, by=patient.user)
        assert status_of(appointment) == "pending"
        assert actions(appointment) == ["held"]

    def test_confirming_a_swept_hold_is_hold_expired_and_a_released_one_invalid(self, patient):
        swept, released = hold(patient, SlotFactory()), hold(patient, SlotFactory())
        services.cancel_appointment(appointment=released, by=patient.user)
        with time_machine.travel(swept.hold_expires_at, tick=False):
            services.expire_holds()
        with pytest.raises(HoldExpired):
            services.confirm_appointment(appointment=swept, by=patient.user)
        with pytest.raises(InvalidTransition):
            services.confirm_appointment(appointment=released, by=patient.user)

    @pytest.mark.parametrize("who", ["other_patient", "doctor"])
    def test_only_its_patient_or_an_admin_confirms(self, request, patient, admin_user, who):
        appointment = hold(patient, SlotFactory())
        with pytest.raises(PermissionDenied):
            user = request.getfixturevalue(who).user if who != "doctor" else appointment.doctor.user
            services.confirm_appointment(appointment=appointment, by=user)
        assert services.confirm_appointment(appointment=appointment, by=admin_user).status == "scheduled"


class TestExpiry:
    def test_an_expired_hold_reads_cancelled_before_any_sweep(self, patient):
        appointment = hold(patient, SlotFactory())
        with time_machine.travel(appointment.hold_expires_at, tick=False):
            fresh = Appointment.objects.get(pk=appointment.pk)
            assert (fresh.effective_status, fresh.effective_hold_expires_at) == ("cancelled", None)
            assert list(Appointment.objects.with_status("cancelled")) == [fresh]
            assert not Appointment.objects.with_status("pending").exists()
            assert Appointment.objects.with_effective_status().get().status_now == "cancelled"
        fresh = Appointment.objects.get(pk=appointment.pk)
        assert (fresh.effective_status, fresh.effective_hold_expires_at) == ("pending", fresh.hold_expires_at)
        assert Appointment.objects.with_status("pending").get() == fresh

    @pytest.mark.parametrize("second", ["hold", "book"])
    def test_a_hold_past_its_time_is_over_for_the_next_one_at_once(self, patient, other_patient, second):
        slot = SlotFactory()
        first = hold(patient, slot)
        command = services.hold_appointment if second == "hold" else services.book_appointment
        with time_machine.travel(first.hold_expires_at, tick=False):
            taken = command(patient=other_patient, slot_id=slot.pk, by=other_patient.user)
        ended = Appointment.objects.get(pk=first.pk)
        assert (ended.status, ended.cancelled_at, ended.hold_expires_at) == ("cancelled", first.hold_expires_at, None)
        assert AppointmentEvent.objects.get(appointment=first, action="expired").actor is None
        assert status_of(slot) == ("held" if second == "hold" else "booked") and taken.slot_id == slot.pk
        assert_consistent()

    def test_the_patients_own_expired_hold_does_not_block_another_booking(self, patient):
        slot = SlotFactory()
        same_hour = SlotFactory(doctor=DoctorFactory(), start=slot.start, end=slot.end)
        first = hold(patient, slot)
        with time_machine.travel(first.hold_expires_at, tick=False):
            services.book_appointment(patient=patient, slot_id=same_hour.pk, by=patient.user)
        assert (status_of(first), status_of(slot), status_of(same_hour)) == ("cancelled", "free", "booked")
        assert_consistent()

    def test_rescheduling_into_a_slot_with_an_expired_hold_ends_it(self, patient, other_patient):
        booked = AppointmentFactory(patient=patient)
        target = SlotFactory()
        first = hold(other_patient, target)
        with time_machine.travel(first.hold_expires_at, tick=False):
            services.reschedule_appointment(appointment=booked, new_slot_id=target.pk, by=patient.user)
        assert (status_of(first), status_of(target)) == ("cancelled", "booked")
        assert_consistent()

    def test_releasing_a_hold_frees_the_slot_but_an_expired_one_is_already_cancelled(self, patient):
        released, expired = hold(patient, SlotFactory()), hold(patient, SlotFactory())
        services.cancel_appointment(appointment=released, by=patient.user)
        assert (status_of(released), status_of(released.slot)) == ("cancelled", "free")
        assert Appointment.objects.get(pk=released.pk).hold_expires_at is None
        with time_machine.travel(expired.hold_expires_at, tick=False), pytest.raises(InvalidTransition):
            services.cancel_appointment(appointment=expired, by=patient.user)


class TestSweep:
    def test_the_sweep_ends_expired_holds_in_batches_and_is_idempotent(self, patient):
        holds = [hold(PatientFactory(), SlotFactory()) for _ in range(5)]
        live = hold(patient, SlotFactory(start=holds[0].start + datetime.timedelta(days=30)))
        with time_machine.travel(holds[-1].hold_expires_at, tick=False):
            Appointment.objects.filter(pk=live.pk).update(hold_expires_at=timezone.now() + datetime.timedelta(1))
            assert services.expire_holds(batch_size=2) == 5
            assert services.expire_holds(batch_size=2) == 0
        assert set(Slot.objects.filter(pk__in=[h.slot_id for h in holds]).values_list("status", flat=True)) == {"free"}
        assert (status_of(live), status_of(live.slot)) == ("pending", "held")
        assert AppointmentEvent.objects.filter(action="expired").count() == 5
        assert_consistent()

    def test_search_shows_the_slot_free_once_swept(self, patient):
        slot = SlotFactory()
        first = hold(patient, slot)
        search = SlotSearch(doctor=slot.doctor_id, status=SlotStatus.FREE)
        assert search_slots(search, limit=10, offset=0) == ([], 0)
        with time_machine.travel(first.hold_expires_at, tick=False):
            call_command("expire_holds", stdout=open("/dev/null", "w"))  # noqa: SIM115
            assert [s.pk for s in search_slots(search, limit=10, offset=0)[0]] == [slot.pk]


@pytest.mark.postgres
def test_the_database_refuses_a_record_for_a_hold(patient):
    appointment = hold(patient, SlotFactory())
    with pytest.raises(IntegrityError, match="records_record_needs_a_visit"), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO records_medicalrecord (appointment_id, patient_id, doctor_id, author_id, diagnosis, "
            "prescription, notes, version, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, '', '', '', 1, now(), now())",
            [appointment.pk, appointment.patient_id, appointment.doctor_id, appointment.doctor.user_id],
        )


def test_a_hold_does_not_let_the_doctor_see_the_patient(patient):
    from patients.selectors import patients_visible_to

    appointment = hold(patient, SlotFactory())
    assert not patients_visible_to(appointment.doctor.user).exists()
    services.confirm_appointment(appointment=appointment, by=patient.user)
    assert list(patients_visible_to(appointment.doctor.user)) == [patient]


def test_the_sweep_leaves_a_hold_confirmed_since_it_was_listed(patient, monkeypatch):
    """The sweep lists expired holds without locks; one confirmed before the sweep locks it stays booked."""
    appointment = hold(patient, SlotFactory())
    listed = [(appointment.pk, appointment.patient_id, appointment.slot_id)]
    services.confirm_appointment(appointment=appointment, by=patient.user)
    monkeypatch.setattr(services, "_expired_hold_candidates", lambda batch_size, now: listed)
    with time_machine.travel(appointment.hold_expires_at, tick=False):
        assert services._expire_batch(10, timezone.now()) == 0
    assert (status_of(appointment), status_of(appointment.slot)) == ("scheduled", "booked")
    assert actions(appointment) == ["held", "confirmed"]
