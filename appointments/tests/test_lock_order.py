"""Every command takes its row locks in one global order: patient, then slots, then appointment, then record.

Two commands that lock the same rows in different orders can deadlock; the race tests show that the
commands queue, and this test pins the order that makes them queue, whatever interleaving a race happens
to produce. It fails if a command ever locks, say, the appointment before the patient.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory, past_appointment
from doctors.tests.factories import SlotFactory
from patients.tests.factories import PatientFactory
from records import services as record_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ORDER = ["patients_patient", "doctors_slot", "appointments_appointment", "records_medicalrecord"]
LOCKING = re.compile(r'FROM "(\w+)".* FOR (?:NO KEY )?UPDATE', re.DOTALL)


def locked_tables(command) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        command()
    return [match.group(1) for q in captured.captured_queries if (match := LOCKING.search(q["sql"]))]


def in_global_order(tables: list[str]) -> bool:
    ranks = [ORDER.index(table) for table in tables]
    return ranks == sorted(ranks)


def test_booking_cancelling_rescheduling_and_finishing():
    appointment = AppointmentFactory()
    patient, doctor = appointment.patient, appointment.doctor
    later = SlotFactory(
        doctor=doctor,
        start=appointment.start + datetime.timedelta(days=1),
        end=appointment.end + datetime.timedelta(days=1),
    )
    other = SlotFactory(
        doctor=doctor,
        start=appointment.start + datetime.timedelta(days=2),
        end=appointment.end + datetime.timedelta(days=2),
    )
    visit = past_appointment(patient=patient, slot__doctor=doctor)

    commands = {
        "book": lambda: services.book_appointment(patient=patient, slot_id=other.pk, by=patient.user),
        "reschedule": lambda: services.reschedule_appointment(
            appointment=appointment, new_slot_id=later.pk, by=patient.user
        ),
        "cancel": lambda: services.cancel_appointment(appointment=appointment, by=patient.user),
        "complete": lambda: services.complete_appointment(appointment=visit, by=doctor.user),
    }
    expected = {
        "book": ["patients_patient", "doctors_slot"],
        "reschedule": ["patients_patient", "doctors_slot", "appointments_appointment"],
        "cancel": ["patients_patient", "doctors_slot", "appointments_appointment"],
        "complete": ["appointments_appointment"],
    }
    for name, command in commands.items():
        tables = locked_tables(command)
        assert tables == expected[name], name
        assert in_global_order(tables), name


def test_holding_confirming_checking_in_and_the_sweep():
    slot, other = SlotFactory(), SlotFactory()
    patient = PatientFactory()
    held = services.hold_appointment(patient=patient, slot_id=slot.pk, by=patient.user)
    expiring = services.hold_appointment(patient=patient, slot_id=other.pk, by=patient.user)
    Appointment.objects.filter(pk=expiring.pk).update(hold_expires_at=timezone.now())
    visit = past_appointment(hours_ago=0)

    commands = {
        "hold": lambda: services.hold_appointment(patient=PatientFactory(), slot_id=SlotFactory().pk, by=patient.user),
        "confirm": lambda: services.confirm_appointment(appointment=held, by=patient.user),
        "check_in": lambda: services.check_in_appointment(appointment=visit, by=visit.doctor.user),
        "sweep": services.expire_holds,
    }
    expected = {
        "hold": ["patients_patient", "doctors_slot"],
        "confirm": ["patients_patient", "doctors_slot", "appointments_appointment"],
        "check_in": ["appointments_appointment"],
        "sweep": ["patients_patient", "doctors_slot", "appointments_appointment"],
    }
    for name, command in commands.items():
        tables = locked_tables(command)
        assert tables == expected[name], name
        assert in_global_order(tables), name


def test_writing_and_amending_a_record():
    visit = past_appointment()
    doctor_user = visit.doctor.user
    record = None

    def write():
        nonlocal record
        record = record_services.create_record(appointment_id=visit.pk, by=doctor_user, diagnosis="Flu", ip=None)

    assert locked_tables(write) == ["patients_patient", "appointments_appointment"]

    def amend():
        record_services.update_record(record=record, by=doctor_user, ip=None, diagnosis="Better")

    assert locked_tables(amend) == ["records_medicalrecord"]
