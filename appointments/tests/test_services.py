"""The appointment commands called directly: their transitions, who may make them, and their conflicts.

The lock order is proved in test_lock_order.py and the races in test_concurrency.py; the HTTP mapping
of these errors in test_api.py.
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from accounts.tests.factories import UserFactory
from appointments import services
from appointments.models import AppointmentEvent, AppointmentStatus
from appointments.tests.factories import AppointmentFactory, past_appointment
from doctors.models import Slot, SlotStatus
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory
from records.tests.factories import MedicalRecordFactory
from scheduler.exceptions import InvalidTransition, PatientConflict, PermissionDenied, SlotUnavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMIN, is_staff=True)


def status_of(slot) -> str:
    return Slot.objects.get(pk=slot.pk).status


def events(appointment) -> list[tuple[str, int]]:
    return list(AppointmentEvent.objects.filter(appointment=appointment).values_list("action", "actor_id"))


class TestBook:
    def test_the_slot_reads_booked_and_the_appointment_copies_it(self, patient):
        slot = SlotFactory()
        appointment = services.book_appointment(patient=patient, slot_id=slot.pk, reason="Cough", by=patient.user)
        assert (appointment.doctor_id, appointment.start, appointment.end) == (slot.doctor_id, slot.start, slot.end)
        assert appointment.status == AppointmentStatus.SCHEDULED and status_of(slot) == SlotStatus.BOOKED
        assert events(appointment) == [("booked", patient.user.pk)]

    def test_a_booked_slot_is_taken(self, patient):
        slot = AppointmentFactory().slot
        with pytest.raises(SlotUnavailable, match="already booked"):
            services.book_appointment(patient=patient, slot_id=slot.pk, by=patient.user)

    def test_an_unknown_slot_or_an_inactive_doctors_slot_is_gone(self, patient):
        slot = SlotFactory(doctor__user__is_active=False)
        for slot_id in (slot.pk, 987654):
            with pytest.raises(SlotUnavailable, match="does not exist"):
                services.book_appointment(patient=patient, slot_id=slot_id, by=patient.user)
        assert status_of(slot) == SlotStatus.FREE

    def test_a_past_slot_is_refused(self, patient):
        slot = past_appointment().slot
        slot.status = SlotStatus.FREE
        slot.save()
        with pytest.raises(ValidationError) as error:
            services.book_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
        assert "slot" in error.value.message_dict

    def test_an_overlapping_appointment_of_the_patient_is_a_conflict_and_nothing_is_written(self, patient):
        booked = AppointmentFactory(patient=patient)
        same_hour = SlotFactory(start=booked.start, end=booked.end)  # another doctor's
        with pytest.raises(PatientConflict) as error:
            services.book_appointment(patient=patient, slot_id=same_hour.pk, by=patient.user)
        assert error.value.code == "patient_conflict"
        assert status_of(same_hour) == SlotStatus.FREE


class TestCancel:
    def test_the_patient_cancels_before_the_start_and_the_slot_is_free_again(self, patient):
        appointment = AppointmentFactory(patient=patient)
        services.cancel_appointment(appointment=appointment, by=patient.user, reason="Better")
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancelled_by == patient.user
        assert appointment.cancellation_reason == "Better" and appointment.cancelled_at is not None
        assert status_of(appointment.slot) == SlotStatus.FREE
        assert events(appointment)[-1] == ("cancelled", patient.user.pk)

    def test_another_patient_or_doctor_may_not(self):
        appointment = AppointmentFactory()
        for stranger in (PatientFactory().user, DoctorFactory().user):
            with pytest.raises(PermissionDenied):
                services.cancel_appointment(appointment=appointment, by=stranger)
        assert status_of(appointment.slot) == SlotStatus.BOOKED

    def test_once_started_the_patient_may_not_but_the_doctor_may(self):
        appointment = past_appointment()
        with pytest.raises(InvalidTransition, match="has started"):
            services.cancel_appointment(appointment=appointment, by=appointment.patient.user)
        services.cancel_appointment(appointment=appointment, by=appointment.doctor.user)
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED

    @pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED])
    def test_only_a_scheduled_appointment_is_cancelled(self, admin, status):
        appointment = AppointmentFactory(status=status)
        with pytest.raises(InvalidTransition) as error:
            services.cancel_appointment(appointment=appointment, by=admin)
        assert error.value.code == "invalid_transition"

    def test_a_visit_with_a_record_is_not_cancelled(self, admin):
        record = MedicalRecordFactory()
        with pytest.raises(InvalidTransition, match="medical record"):
            services.cancel_appointment(appointment=record.appointment, by=admin)


class TestCompleteAndNoShow:
    @pytest.mark.parametrize("command", [services.complete_appointment, services.mark_no_show])
    def test_not_before_the_start(self, command):
        appointment = AppointmentFactory()
        with pytest.raises(InvalidTransition, match="not started"):
            command(appointment=appointment, by=appointment.doctor.user)

    @pytest.mark.parametrize(
        "command, status",
        [(services.complete_appointment, AppointmentStatus.COMPLETED), (services.mark_no_show, "no_show")],
    )
    def test_the_doctor_or_an_admin_after_the_start(self, admin, command, status):
        mine, any_ = past_appointment(), past_appointment(hours_ago=5)
        assert command(appointment=mine, by=mine.doctor.user).status == status
        assert command(appointment=any_, by=admin).status == status
        assert status_of(mine.slot) == SlotStatus.BOOKED  # the hour was used either way

    @pytest.mark.parametrize("command", [services.complete_appointment, services.mark_no_show])
    def test_the_patient_or_another_doctor_may_not(self, command):
        appointment = past_appointment()
        for someone in (appointment.patient.user, DoctorFactory().user):
            with pytest.raises(PermissionDenied):
                command(appointment=appointment, by=someone)

    def test_a_finished_appointment_stays_finished(self):
        appointment = past_appointment()
        services.mark_no_show(appointment=appointment, by=appointment.doctor.user)
        with pytest.raises(InvalidTransition):
            services.complete_appointment(appointment=appointment, by=appointment.doctor.user)

    def test_a_visit_with_a_record_is_no_no_show_but_can_be_completed(self):
        appointment = MedicalRecordFactory().appointment
        with pytest.raises(InvalidTransition, match="patient came"):
            services.mark_no_show(appointment=appointment, by=appointment.doctor.user)
        services.complete_appointment(appointment=appointment, by=appointment.doctor.user)


class TestReschedule:
    def test_moves_to_the_new_slot_and_frees_the_old_one(self, patient):
        appointment = AppointmentFactory(patient=patient)
        old, new = appointment.slot, SlotFactory()
        moved = services.reschedule_appointment(appointment=appointment, new_slot_id=new.pk, by=patient.user)
        assert (moved.slot_id, moved.doctor_id, moved.start, moved.end) == (new.pk, new.doctor_id, new.start, new.end)
        assert status_of(old) == SlotStatus.FREE and status_of(new) == SlotStatus.BOOKED
        event = AppointmentEvent.objects.get(appointment=appointment, action="rescheduled")
        assert event.detail == {"old_slot": old.pk, "slot": new.pk}

    def test_only_the_patient_or_an_admin(self, admin):
        appointment = AppointmentFactory()
        with pytest.raises(PermissionDenied):
            services.reschedule_appointment(
                appointment=appointment, new_slot_id=SlotFactory().pk, by=appointment.doctor.user
            )
        services.reschedule_appointment(appointment=appointment, new_slot_id=SlotFactory().pk, by=admin)

    def test_onto_its_own_or_a_taken_slot_is_refused_and_nothing_moves(self, patient):
        appointment = AppointmentFactory(patient=patient)
        taken = AppointmentFactory().slot
        for slot in (appointment.slot, taken):
            with pytest.raises(SlotUnavailable):
                services.reschedule_appointment(appointment=appointment, new_slot_id=slot.pk, by=patient.user)
        appointment.refresh_from_db()
        assert status_of(appointment.slot) == SlotStatus.BOOKED and status_of(taken) == SlotStatus.BOOKED

    def test_onto_an_hour_the_patient_is_busy_is_a_conflict(self, patient):
        appointment, other = AppointmentFactory(patient=patient), AppointmentFactory(patient=patient)
        same_hour = SlotFactory(start=other.start, end=other.end)
        with pytest.raises(PatientConflict):
            services.reschedule_appointment(appointment=appointment, new_slot_id=same_hour.pk, by=patient.user)
        assert status_of(same_hour) == SlotStatus.FREE and status_of(appointment.slot) == SlotStatus.BOOKED

    def test_a_started_one_is_moved_by_an_admin_only(self, admin):
        appointment = past_appointment()
        with pytest.raises(InvalidTransition, match="has started"):
            services.reschedule_appointment(
                appointment=appointment, new_slot_id=SlotFactory().pk, by=appointment.patient.user
            )
        services.reschedule_appointment(appointment=appointment, new_slot_id=SlotFactory().pk, by=admin)

    def test_a_visit_with_a_record_is_not_moved(self, admin):
        appointment = MedicalRecordFactory().appointment
        with pytest.raises(InvalidTransition, match="medical record"):
            services.reschedule_appointment(appointment=appointment, new_slot_id=SlotFactory().pk, by=admin)
