"""Every FHIR endpoint × every role (the REST matrix covers the OpenAPI document, which leaves /fhir/ out).

A new FHIR route without a row fails ``test_every_fhir_route_has_a_row``.
"""

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import SlotFactory
from fhir import urls
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "patient", "other_patient", "doctor", "other_doctor", "admin"]
SIGNED_IN = dict.fromkeys(ROLES[1:], 200) | {"anonymous": 401}
R4 = "/fhir/R4/"

# (route name, method, path with {placeholders}, body or None, expected status by role)
MATRIX = [
    ("fhir-metadata", "get", "metadata", None, dict.fromkeys(ROLES, 200)),
    ("fhir-practitioner-search", "get", "Practitioner", None, SIGNED_IN),
    ("fhir-practitioner", "get", "Practitioner/{doctor}", None, SIGNED_IN),
    ("fhir-schedule-search", "get", "Schedule", None, SIGNED_IN),
    ("fhir-schedule", "get", "Schedule/{doctor}", None, SIGNED_IN),
    ("fhir-slot-search", "get", "Slot", None, SIGNED_IN),
    ("fhir-slot", "get", "Slot/{slot}", None, SIGNED_IN),
    (
        "fhir-patient",
        "get",
        "Patient/{patient}",
        None,
        {"anonymous": 401, "patient": 200, "other_patient": 404, "doctor": 200, "other_doctor": 404, "admin": 200},
    ),
    ("fhir-appointment-search", "get", "Appointment", None, SIGNED_IN),
    (
        "fhir-appointment",
        "get",
        "Appointment/{appointment}",
        None,
        {"anonymous": 401, "patient": 200, "other_patient": 404, "doctor": 200, "other_doctor": 404, "admin": 200},
    ),
    ("fhir-find", "get", "Appointment/$find?start=2020-01-01T00:00:00Z&end=2020-02-01T00:00:00Z", None, SIGNED_IN),
    (
        "fhir-hold",
        "post",
        "Appointment/$hold",
        "book",
        {"anonymous": 401, "patient": 200, "other_patient": 200, "doctor": 403, "other_doctor": 403, "admin": 200},
    ),
    (
        "fhir-book",
        "post",
        "Appointment/$book",
        "book",
        {"anonymous": 401, "patient": 200, "other_patient": 200, "doctor": 403, "other_doctor": 403, "admin": 200},
    ),
]


def test_every_fhir_route_has_a_row():
    assert {p.name for p in urls.r4} == {row[0] for row in MATRIX}


@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_fhir_matrix(client_for, api_client, name, method, path, body, expected):
    patient, other_patient = PatientFactory(), PatientFactory()
    appointment = AppointmentFactory(patient=patient)
    doctor = appointment.doctor
    from doctors.tests.factories import DoctorFactory

    users = {
        "patient": patient.user,
        "other_patient": other_patient.user,
        "doctor": doctor.user,
        "other_doctor": DoctorFactory().user,
        "admin": UserFactory(role=Role.ADMIN, is_staff=True),
    }
    ids = {"doctor": doctor.pk, "slot": appointment.slot_id, "patient": patient.pk, "appointment": appointment.pk}
    for role in ROLES:
        client = api_client if role == "anonymous" else client_for(users[role])
        data = None
        if body == "book":  # a fresh free slot each time, for the role's own patient (an admin names one)
            slot = SlotFactory()
            data = {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "appointment-reference",
                        "valueReference": {"reference": f"Appointment/proposed-{slot.pk}"},
                    },
                    *(
                        [{"name": "patient-reference", "valueReference": {"reference": f"Patient/{patient.pk}"}}]
                        if role == "admin"
                        else []
                    ),
                ],
            }
        response = getattr(client, method)(R4 + path.format(**ids), data, format="json" if data else None)
        assert response.status_code == expected[role], (role, response.content)
        if response.status_code >= 400:
            assert response.json()["resourceType"] == "OperationOutcome"
