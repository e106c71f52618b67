"""Every endpoint of the OpenAPI document against every role: the guard against broken authorization.

A new endpoint without a row in MATRIX fails ``test_every_endpoint_has_a_row``.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import issue_tokens
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from appointments.models import AppointmentStatus
from appointments.tests.factories import AppointmentFactory, past_appointment
from doctors.tests.factories import DepartmentFactory, DoctorFactory, SlotFactory, SpecializationFactory
from patients.tests.factories import PatientFactory
from records import services as record_services
from waitlist.tests.factories import WaitlistEntryFactory

ROLES = ["anonymous", "patient", "other_patient", "doctor", "other_doctor", "admin"]
SIGNED_IN = dict.fromkeys(ROLES[1:], 200) | {"anonymous": 401}


def only(ok: int, allowed: set[str], *, denied: int = 403, hidden: set[str] = frozenset()) -> dict[str, int]:
    """``ok`` for the allowed roles, 404 for those who may not see the object, ``denied`` for the rest."""
    return {"anonymous": 401} | {
        role: ok if role in allowed else 404 if role in hidden else denied for role in ROLES[1:]
    }


@dataclass
class World:
    users: dict
    patient: object
    doctor: object
    appointment: object
    hold: object
    today: object
    past_appointment: object
    unrecorded_appointment: object
    record: object
    free_slot: object
    spare_slot: object
    department: object
    specialization: object


def build_world() -> World:
    patient, other_patient = PatientFactory(), PatientFactory()
    doctor, other_doctor = DoctorFactory(), DoctorFactory()
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    hour = datetime.timedelta(hours=1)
    past_slot = SlotFactory(doctor=doctor, start=now - 2 * hour, end=now - hour, status="booked")
    appointment = AppointmentFactory(patient=patient, slot__doctor=doctor)
    visited = past_appointment(hours_ago=6, patient=patient, slot__doctor=doctor)
    unrecorded = past_appointment(hours_ago=4, patient=patient, slot__doctor=doctor)
    record = record_services.create_record(appointment_id=visited.pk, by=doctor.user, diagnosis="Flu", ip=None)
    # A visit that is on now, for check-in: today in any time zone, and not over.
    current = timezone.now()
    today = AppointmentFactory(patient=patient, slot__doctor=doctor, slot__start=current, slot__end=current + hour)
    return World(
        users={
            "patient": patient.user,
            "other_patient": other_patient.user,
            "doctor": doctor.user,
            "other_doctor": other_doctor.user,
            "admin": admin,
        },
        patient=patient,
        doctor=doctor,
        appointment=appointment,
        hold=AppointmentFactory(patient=patient, slot__doctor=doctor, status=AppointmentStatus.PENDING),
        today=today,
        past_appointment=AppointmentFactory(patient=patient, slot=past_slot),
        unrecorded_appointment=unrecorded,
        record=record,
        free_slot=SlotFactory(doctor=doctor),
        spare_slot=SlotFactory(doctor=doctor),
        department=DepartmentFactory(),
        specialization=SpecializationFactory(),
    )


def own_login(w: World, role: str) -> dict:
    user = w.users.get(role, w.patient.user)
    return {"email": user.email, "password": DEFAULT_PASSWORD}


def new_person(role: str) -> dict:
    return {
        "email": f"new-{role}@example.org",
        "password": "a-long-passphrase-9",
        "first_name": "N",
        "last_name": "P",
        "phone": "+14155550100",
        "date_of_birth": "1990-01-01",
    }


def booking(w: World, role: str) -> dict:
    return {"slot": w.free_slot.pk} | ({"patient": w.patient.pk} if role == "admin" else {})


MATRIX = {
    # method, path: (id to put in the path, body, expected status by role)
    ("POST", "/api/auth/register/"): (None, lambda w, r: new_person(r), dict.fromkeys(ROLES, 201)),
    ("POST", "/api/auth/token/"): (None, own_login, dict.fromkeys(ROLES, 200)),
    ("POST", "/api/auth/oauth2/token/"): (
        None,
        lambda w, r: {"grant_type": "password", "username": own_login(w, r)["email"], "password": DEFAULT_PASSWORD},
        dict.fromkeys(ROLES, 200),
    ),
    ("POST", "/api/auth/token/refresh/"): (
        None,
        lambda w, r: {"refresh": issue_tokens(user=w.users.get(r, w.patient.user)).refresh},
        dict.fromkeys(ROLES, 200),
    ),
    ("POST", "/api/auth/logout/"): (
        None,
        lambda w, r: {"refresh": issue_tokens(user=w.users.get(r, w.patient.user)).refresh},
        {**dict.fromkeys(ROLES[1:], 204), "anonymous": 401},
    ),
    ("GET", "/api/auth/me/"): (None, None, SIGNED_IN),
    ("POST", "/api/auth/password/"): (
        None,
        lambda w, r: {"old_password": DEFAULT_PASSWORD, "new_password": "another-long-passphrase-3"},
        SIGNED_IN,
    ),
    ("GET", "/api/patients/"): (None, None, only(200, {"doctor", "other_doctor", "admin"})),
    ("GET", "/api/patients/me/"): (None, None, only(200, {"patient", "other_patient"})),
    ("PATCH", "/api/patients/me/"): (None, lambda w, r: {"first_name": "X"}, only(200, {"patient", "other_patient"})),
    ("GET", "/api/patients/{id}/"): (
        lambda w: w.patient.pk,
        None,
        only(200, {"patient", "doctor", "admin"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("PATCH", "/api/patients/{id}/"): (
        lambda w: w.patient.pk,
        lambda w, r: {"first_name": "X"},
        only(200, {"patient", "admin"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("GET", "/api/departments/"): (None, None, SIGNED_IN),
    ("POST", "/api/departments/"): (None, lambda w, r: {"name": f"Dept {r}"}, only(201, {"admin"})),
    ("GET", "/api/departments/{id}/"): (lambda w: w.department.pk, None, SIGNED_IN),
    ("GET", "/api/specializations/"): (None, None, SIGNED_IN),
    ("POST", "/api/specializations/"): (None, lambda w, r: {"name": f"Spec {r}"}, only(201, {"admin"})),
    ("GET", "/api/specializations/{id}/"): (lambda w: w.specialization.pk, None, SIGNED_IN),
    ("GET", "/api/doctors/"): (None, None, SIGNED_IN),
    ("POST", "/api/doctors/"): (
        None,
        lambda w, r: {
            "email": f"doc-{r}@example.org",
            "password": "a-long-passphrase-9",
            "first_name": "D",
            "last_name": "R",
            "specialization": w.specialization.pk,
            "department": w.department.pk,
        },
        only(201, {"admin"}),
    ),
    ("GET", "/api/doctors/me/"): (None, None, only(200, {"doctor", "other_doctor"})),
    ("GET", "/api/doctors/{id}/"): (lambda w: w.doctor.pk, None, SIGNED_IN),
    ("PATCH", "/api/doctors/{id}/"): (
        lambda w: w.doctor.pk,
        lambda w, r: {"availability_status": "occupied"},
        only(200, {"doctor", "admin"}),
    ),
    ("POST", "/api/doctors/{id}/availability/"): (
        lambda w: w.doctor.pk,
        lambda w, r: {
            "start": (w.free_slot.start + datetime.timedelta(days=30)).isoformat(),
            "end": (w.free_slot.start + datetime.timedelta(days=30, hours=2)).isoformat(),
        },
        only(201, {"doctor", "admin"}),
    ),
    ("GET", "/api/slots/"): (None, None, SIGNED_IN),
    ("GET", "/api/slots/{id}/"): (lambda w: w.free_slot.pk, None, SIGNED_IN),
    ("DELETE", "/api/slots/{id}/"): (lambda w: w.spare_slot.pk, None, only(204, {"doctor", "admin"})),
    ("GET", "/api/appointments/"): (None, None, SIGNED_IN),
    ("POST", "/api/appointments/"): (None, booking, only(201, {"patient", "other_patient", "admin"})),
    ("GET", "/api/appointments/{id}/"): (
        lambda w: w.appointment.pk,
        None,
        only(200, {"patient", "doctor", "admin"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("POST", "/api/appointments/hold/"): (None, booking, only(201, {"patient", "other_patient", "admin"})),
    ("POST", "/api/appointments/{id}/confirm/"): (
        lambda w: w.hold.pk,
        None,
        only(200, {"patient", "admin"}, hidden={"other_patient"}),
    ),
    ("POST", "/api/appointments/{id}/check-in/"): (
        lambda w: w.today.pk,
        None,
        only(200, {"doctor", "admin"}, hidden={"other_doctor"}),
    ),
    ("GET", "/api/booking-policy/"): (None, None, SIGNED_IN),
    ("PATCH", "/api/booking-policy/"): (None, lambda w, r: {"hold_seconds": 900}, only(200, {"admin"})),
    ("POST", "/api/appointments/{id}/cancel/"): (
        lambda w: w.appointment.pk,
        lambda w, r: {},
        only(200, {"patient", "doctor", "admin"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("POST", "/api/appointments/{id}/complete/"): (
        lambda w: w.past_appointment.pk,
        None,
        only(200, {"doctor", "admin"}, hidden={"other_doctor"}),
    ),
    ("POST", "/api/appointments/{id}/no-show/"): (
        lambda w: w.past_appointment.pk,
        None,
        only(200, {"doctor", "admin"}, hidden={"other_doctor"}),
    ),
    ("POST", "/api/appointments/{id}/reschedule/"): (
        lambda w: w.appointment.pk,
        lambda w, r: {"slot": w.free_slot.pk},
        only(200, {"patient", "admin"}, hidden={"other_patient"}),
    ),
    ("GET", "/api/records/"): (None, None, SIGNED_IN),
    ("POST", "/api/records/"): (
        None,
        lambda w, r: {"appointment": w.unrecorded_appointment.pk, "diagnosis": "Cough"},
        only(201, {"doctor"}),
    ),
    ("GET", "/api/records/audit/"): (None, None, only(200, {"admin"})),
    ("GET", "/api/notifications/"): (None, None, SIGNED_IN),
    ("GET", "/api/records/{id}/"): (
        lambda w: w.record.pk,
        None,
        only(200, {"patient", "doctor", "admin"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("PATCH", "/api/records/{id}/"): (
        lambda w: w.record.pk,
        lambda w, r: {"notes": "Better"},
        only(200, {"doctor"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("GET", "/api/records/{id}/history/"): (
        lambda w: w.record.pk,
        None,
        only(200, {"patient", "doctor", "admin"}, hidden={"other_patient", "other_doctor"}),
    ),
    ("GET", "/api/waitlist/"): (None, None, only(200, {"patient", "other_patient", "admin"})),
    ("POST", "/api/waitlist/"): (
        None,
        lambda w, r: (
            {
                "doctor": w.doctor.pk,
                "start_after": timezone.now().isoformat(),
                "start_before": (timezone.now() + datetime.timedelta(days=7)).isoformat(),
            }
            | ({"patient": w.patient.pk} if r == "admin" else {})
        ),
        only(201, {"patient", "other_patient", "admin"}),
    ),
    ("DELETE", "/api/waitlist/{id}/"): (
        lambda w: WaitlistEntryFactory(patient=w.patient).pk,
        None,
        only(204, {"patient", "admin"}, hidden={"other_patient"}),
    ),
    ("POST", "/api/calendar/token/"): (None, None, dict.fromkeys(ROLES[1:], 201) | {"anonymous": 401}),
    ("DELETE", "/api/calendar/token/"): (None, None, dict.fromkeys(ROLES[1:], 204) | {"anonymous": 401}),
}


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_endpoint_has_a_row():
    assert schema_operations() == set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
def test_status_for_every_role(settings, operation, role):
    settings.RATE_LIMITS = False  # the matrix is about authorization, not rate limits
    world = build_world()
    method, template = operation
    path_id, body, expected = MATRIX[operation]
    path = template.replace("{id}", str(path_id(world))) if path_id else template
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user=world.users[role]).access}")
    data = body(world, role) if body else None
    if template == "/api/auth/oauth2/token/":  # form-encoded, as RFC 6749 and Swagger UI send it
        response = client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = getattr(client, method.lower())(path, data, format="json")
    assert response.status_code == expected[role], response.content[:300]
