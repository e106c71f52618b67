"""Admin edits of a doctor racing patients who reschedule: no 5xx and no deadlock (PostgreSQL, real threads).

Changing a doctor's specialization or department rewrites the copies on all their slots; done without
the booking's lock order (slots in ascending id) it deadlocked with reschedules, which lock the same
slots in that order.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from appointments.invariants import invariant_violations
from appointments.tests.factories import AppointmentFactory
from doctors.models import Doctor, Slot, SlotStatus
from doctors.tests.factories import DepartmentFactory, DoctorFactory, SlotFactory, SpecializationFactory
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECONDS = 6


def test_admin_doctor_edits_racing_reschedules_give_no_5xx(admin_user, client_for):
    doctor = DoctorFactory()
    # Every third slot booked: the appointments' slots read as the services leave them.
    slots = [SlotFactory(doctor=doctor, status=SlotStatus.BOOKED if i % 3 == 0 else SlotStatus.FREE) for i in range(24)]
    appointments = [AppointmentFactory(patient=PatientFactory(), slot=slot) for slot in slots[::3]]
    consistent = dict.fromkeys(invariant_violations(), 0)
    assert invariant_violations() == consistent  # before the race: what it finds afterwards is the race's
    free = [slot.pk for slot in slots if slot.pk not in {a.slot_id for a in appointments}]
    departments = [DepartmentFactory().pk for _ in range(3)]
    specializations = [SpecializationFactory().pk for _ in range(3)]
    patients = {a.pk: client_for(a.patient.user) for a in appointments}
    for client in patients.values():
        client.raise_request_exception = False
    statuses: Counter = Counter()
    deadline = time.monotonic() + SECONDS

    def admin_edits(n):
        staff = Client(raise_request_exception=False)
        staff.force_login(admin_user)
        i = n
        try:
            while time.monotonic() < deadline:
                i += 1
                body = {
                    "phone": "+4930901820",
                    "bio": "",
                    "availability_status": "available",
                    "specialization": specializations[i % 3],
                    "department": departments[i % 3],
                }
                statuses["admin", staff.post(f"/admin/doctors/doctor/{doctor.pk}/change/", body).status_code] += 1
        finally:
            connection.close()

    def reschedules(k, appointment_id):
        client = patients[appointment_id]
        i = k
        try:
            while time.monotonic() < deadline:
                i += 3
                target = free[i % len(free)]
                url = f"/api/appointments/{appointment_id}/reschedule/"
                statuses["patient", client.post(url, {"slot": target}, format="json").status_code] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=admin_edits, args=(n,)) for n in range(2)]
    threads += [threading.Thread(target=reschedules, args=(k, a.pk)) for k, a in enumerate(appointments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 30)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not [key for key in statuses if key[1] >= 500], statuses
    assert statuses["admin", 302] > 0 and statuses["patient", 200] > 0, statuses
    assert invariant_violations() == consistent
    doctor = Doctor.objects.get(pk=doctor.pk)
    copies = set(Slot.objects.filter(doctor=doctor).values_list("specialization_id", "department_id"))
    assert copies == {(doctor.specialization_id, doctor.department_id)}
