"""FHIR R4 over HTTP: every answer validated (schema, fhirclient, app-1…4), visibility as REST, errors as
OperationOutcome, never a 5xx."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from doctors.models import SlotStatus
from doctors.tests.factories import SlotFactory
from fhir.capability import SEARCH_TYPES
from fhir.resources import SPECIALTY_SYSTEM
from fhir.tests.validation import assert_valid
from patients.models import PatientAccessLog
from scheduler import metrics

pytestmark = pytest.mark.django_db
R4 = "/fhir/R4/"


def get(client, path, data=None, **headers):
    response = client.get(R4 + path, data, **headers)
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    return response


def ok(response, resource_type):
    assert response.status_code == 200, response.content
    body = assert_valid(response.json())
    assert body["resourceType"] == resource_type
    return body


def outcome(response, status, issue_code=None, where=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = assert_valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    if issue_code:
        assert body["issue"][0]["code"] == issue_code, body
    if where:
        assert any(where in i.get("expression", []) for i in body["issue"]), body
    return body


def ids(bundle):
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def at(hours: int) -> dict:
    """Explicit times a week ahead (the factory's sequence runs past search windows in the full suite)."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=7, hours=hours)
    return {"start": start, "end": start + datetime.timedelta(hours=1)}


@pytest.fixture
def slots(doctor):
    return [SlotFactory(doctor=doctor, **at(hour)) for hour in range(3)]


# ----- metadata ---------------------------------------------------------------------------------------


def test_metadata_needs_no_token_and_lists_exactly_what_is_supported(api_client):
    body = ok(get(api_client, "metadata", HTTP_AUTHORIZATION="Bearer garbage"), "CapabilityStatement")
    assert body["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == set(SEARCH_TYPES)
    assert {p["name"] for p in resources["Slot"]["searchParam"]} == {*SEARCH_TYPES["Slot"], "_count", "_page"}
    assert [o["name"] for o in resources["Appointment"]["operation"]] == ["find", "hold", "book"]
    assert [i["code"] for i in resources["Patient"]["interaction"]] == ["read"]


# ----- Practitioner, Schedule -------------------------------------------------------------------------


def test_practitioner_read_and_search(patient_client, doctor, other_doctor):
    body = ok(get(patient_client, f"Practitioner/{doctor.pk}"), "Practitioner")
    assert body["id"] == str(doctor.pk) and body["name"][0]["family"] == doctor.user.last_name
    assert body["meta"]["lastUpdated"].endswith("Z")
    bundle = ok(get(patient_client, "Practitioner", {"name": doctor.user.last_name}), "Bundle")
    assert str(doctor.pk) in ids(bundle)
    bundle = ok(get(patient_client, "Practitioner", {"_count": 1}), "Bundle")
    assert bundle["total"] >= 2 and len(bundle["entry"]) == 1
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert "_count=1" in links["self"] and "_page=2" in links["next"]
    second = ok(patient_client.get(links["next"]), "Bundle")
    assert ids(second) != ids(bundle)


def test_schedule_is_one_per_doctor(patient_client, doctor, other_doctor):
    body = ok(get(patient_client, f"Schedule/{doctor.pk}"), "Schedule")
    assert body["actor"][0]["reference"] == f"Practitioner/{doctor.pk}"
    assert body["specialty"][0]["coding"][0] == {
        "system": SPECIALTY_SYSTEM,
        "code": str(doctor.specialization_id),
        "display": doctor.specialization.name,
    }
    bundle = ok(get(patient_client, "Schedule", {"actor": f"Practitioner/{doctor.pk}"}), "Bundle")
    assert ids(bundle) == [str(doctor.pk)]
    bundle = ok(
        get(patient_client, "Schedule", {"specialty": f"{SPECIALTY_SYSTEM}|{other_doctor.specialization_id}"}), "Bundle"
    )
    assert ids(bundle) == [str(other_doctor.pk)]


# ----- Slot -------------------------------------------------------------------------------------------


def test_slot_read_and_search_with_mapped_statuses(patient_client, doctor, slots):
    AppointmentFactory(slot=SlotFactory(doctor=doctor, status=SlotStatus.BOOKED, **at(5)))
    body = ok(get(patient_client, f"Slot/{slots[0].pk}"), "Slot")
    assert body["status"] == "free" and body["schedule"]["reference"] == f"Schedule/{doctor.pk}"
    assert body["specialty"][0]["text"] == doctor.specialization.name
    free = ok(get(patient_client, "Slot", {"schedule": f"Schedule/{doctor.pk}", "status": "free"}), "Bundle")
    assert ids(free) == [str(s.pk) for s in slots] and free["total"] == 3
    busy = ok(get(patient_client, "Slot", {"schedule": doctor.pk, "status": "busy"}), "Bundle")
    assert busy["total"] == 1 and busy["entry"][0]["resource"]["status"] == "busy"
    none = ok(get(patient_client, "Slot", {"status": "busy-unavailable"}), "Bundle")
    assert none["total"] == 0 and "entry" not in none


def test_slot_date_prefixes(patient_client, doctor, slots):
    first, second, third = slots
    window = {"schedule": doctor.pk, "start": [f"ge{iso(first.start)}", f"lt{iso(third.start)}"]}
    assert ids(ok(get(patient_client, "Slot", window), "Bundle")) == [str(first.pk), str(second.pk)]
    window = {"schedule": doctor.pk, "start": [f"gt{iso(first.start)}", f"le{iso(third.start)}"]}
    assert ids(ok(get(patient_client, "Slot", window), "Bundle")) == [str(second.pk), str(third.pk)]
    exact = {"schedule": doctor.pk, "start": iso(second.start)}
    assert ids(ok(get(patient_client, "Slot", exact), "Bundle")) == [str(second.pk)]
    offset = second.start.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    exact = {"schedule": doctor.pk, "start": f"eq{offset.isoformat()}"}
    assert ids(ok(get(patient_client, "Slot", exact), "Bundle")) == [str(second.pk)]


def test_rest_and_fhir_agree_on_the_free_slots_of_a_window(patient_client, doctor, other_doctor, slots):
    SlotFactory(doctor=other_doctor, specialization=doctor.specialization, **at(1))
    after, before = timezone.now(), timezone.now() + datetime.timedelta(days=30)
    params = {
        "specialization": doctor.specialization_id,
        "status": "free",
        "start_after": iso(after),
        "start_before": iso(before),
        "page_size": 100,
    }
    rest = [s["id"] for s in patient_client.get("/api/slots/", params).json()["results"]]
    fhir = ok(
        get(
            patient_client,
            "Slot",
            {
                "specialty": doctor.specialization_id,
                "status": "free",
                "start": [f"ge{iso(after)}", f"lt{iso(before)}"],
                "_count": 100,
            },
        ),
        "Bundle",
    )
    assert [int(i) for i in ids(fhir)] == rest and len(rest) == 4


# ----- Patient ----------------------------------------------------------------------------------------


def test_patient_read_follows_rest_visibility_and_is_audited(
    patient, other_patient, patient_client, doctor_client, other_doctor_client, admin_client, doctor
):
    AppointmentFactory(patient=patient, slot=SlotFactory(doctor=doctor, status=SlotStatus.BOOKED))
    before = PatientAccessLog.objects.filter(patient=patient).count()
    body = ok(get(patient_client, f"Patient/{patient.pk}"), "Patient")
    assert body["birthDate"] == patient.date_of_birth.isoformat() and "insurance" not in str(body).lower()
    assert PatientAccessLog.objects.filter(patient=patient).count() == before + 1
    ok(get(doctor_client, f"Patient/{patient.pk}"), "Patient")
    ok(get(admin_client, f"Patient/{patient.pk}"), "Patient")
    outcome(get(patient_client, f"Patient/{other_patient.pk}"), 404, "not-found")
    outcome(get(other_doctor_client, f"Patient/{patient.pk}"), 404, "not-found")


# ----- Appointment ------------------------------------------------------------------------------------


def test_appointment_visibility_and_search(patient, other_patient, patient_client, doctor_client, admin_client):
    mine = AppointmentFactory(patient=patient)
    theirs = AppointmentFactory(patient=other_patient)
    body = ok(get(patient_client, f"Appointment/{mine.pk}"), "Appointment")
    assert body["status"] == "booked" and body["slot"][0]["reference"] == f"Slot/{mine.slot_id}"
    assert {p["actor"]["reference"] for p in body["participant"]} == {
        f"Patient/{patient.pk}",
        f"Practitioner/{mine.doctor_id}",
    }
    outcome(get(patient_client, f"Appointment/{theirs.pk}"), 404, "not-found")
    outcome(get(doctor_client, f"Appointment/{theirs.pk}"), 404, "not-found")
    assert ids(ok(get(patient_client, "Appointment"), "Bundle")) == [str(mine.pk)]
    assert ids(ok(get(patient_client, "Appointment", {"patient": f"Patient/{other_patient.pk}"}), "Bundle")) == []
    found = ok(get(admin_client, "Appointment", {"patient": other_patient.pk, "status": "booked"}), "Bundle")
    assert ids(found) == [str(theirs.pk)]
    assert ok(get(admin_client, "Appointment", {"status": "cancelled"}), "Bundle")["total"] == 0
    later = ok(get(admin_client, "Appointment", {"date": f"gt{iso(theirs.start)}"}), "Bundle")
    assert str(theirs.pk) not in ids(later)


def test_rest_and_fhir_agree_on_a_patients_appointments(patient, patient_client):
    AppointmentFactory.create_batch(3, patient=patient)
    cancelled = AppointmentFactory(patient=patient, status="cancelled")
    rest = [a["id"] for a in patient_client.get("/api/appointments/").json()["results"]]
    bundle = ok(get(patient_client, "Appointment", {"patient": f"Patient/{patient.pk}"}), "Bundle")
    assert [int(i) for i in ids(bundle)] == rest and len(rest) == 4
    statuses = {e["resource"]["id"]: e["resource"]["status"] for e in bundle["entry"]}
    assert statuses[str(cancelled.pk)] == "cancelled"


def test_a_cancelled_appointment_says_who_cancelled(patient, patient_client):
    appointment = AppointmentFactory(patient=patient)
    patient_client.post(f"/api/appointments/{appointment.pk}/cancel/", {"reason": "Feeling better"})
    body = ok(get(patient_client, f"Appointment/{appointment.pk}"), "Appointment")
    assert body["status"] == "cancelled"
    assert body["cancelationReason"]["coding"][0]["code"] == "pat"


# ----- $find, $book -----------------------------------------------------------------------------------


def parameters(**values):
    items = []
    for name, value in values.items():
        key = "valueReference" if name.endswith("reference") else "valueString"
        items.append({"name": name.replace("_", "-"), key: {"reference": value} if key == "valueReference" else value})
    return {"resourceType": "Parameters", "parameter": items}


def post(client, path, body, **headers):
    response = client.post(R4 + path, body, format="json", **headers)
    assert response.status_code < 500, response.content
    return response


def test_find_proposes_one_appointment_per_free_slot(patient, patient_client, doctor, slots):
    window = {
        "start": iso(timezone.now()),
        "end": iso(timezone.now() + datetime.timedelta(days=14)),
        "specialty": doctor.specialization_id,
    }
    bundle = ok(get(patient_client, "Appointment/$find", window), "Bundle")
    assert ids(bundle) == [f"proposed-{s.pk}" for s in slots]
    proposed = bundle["entry"][0]["resource"]
    assert proposed["status"] == "proposed" and proposed["slot"] == [{"reference": f"Slot/{slots[0].pk}"}]
    posted = ok(post(patient_client, "Appointment/$find", parameters(**window)), "Bundle")
    assert ids(posted) == ids(bundle)
    read = ok(get(patient_client, f"Appointment/proposed-{slots[0].pk}"), "Appointment")
    assert read["status"] == "proposed"


def test_book_a_proposed_appointment_then_its_slot_is_gone(patient, patient_client, other_patient_client, slots):
    reference = f"Appointment/proposed-{slots[0].pk}"
    body = ok(post(patient_client, "Appointment/$book", parameters(appointment_reference=reference)), "Bundle")
    booked = body["entry"][0]["resource"]
    assert booked["status"] == "booked" and booked["slot"] == [{"reference": f"Slot/{slots[0].pk}"}]
    counted = metrics.CONFLICTS.labels(code="slot_unavailable")._value.get()
    gone = outcome(post(other_patient_client, "Appointment/$book", parameters(appointment_reference=reference)), 409)
    assert gone["issue"][0]["severity"] == "fatal" and gone["issue"][0]["code"] == "not-found"
    assert metrics.CONFLICTS.labels(code="slot_unavailable")._value.get() == counted + 1  # as a REST 409 is
    outcome(get(patient_client, f"Appointment/proposed-{slots[0].pk}"), 404, "not-found")
    unknown = parameters(appointment_reference="Appointment/proposed-999999999")
    assert outcome(post(patient_client, "Appointment/$book", unknown), 409)["issue"][0]["severity"] == "fatal"


def test_doctors_cannot_book_and_admins_name_the_patient(doctor_client, admin_client, patient, slots):
    reference = parameters(appointment_reference=f"Appointment/proposed-{slots[0].pk}")
    outcome(post(doctor_client, "Appointment/$book", reference), 403, "forbidden")
    outcome(post(admin_client, "Appointment/$book", reference), 400, "invalid", where="patient-reference")
    body = parameters(
        appointment_reference=f"Appointment/proposed-{slots[0].pk}", patient_reference=f"Patient/{patient.pk}"
    )
    booked = ok(post(admin_client, "Appointment/$book", body), "Bundle")["entry"][0]["resource"]
    assert {"reference": f"Patient/{patient.pk}"} in [p["actor"] for p in booked["participant"]]


# ----- bad input: an OperationOutcome, never a 5xx ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("Slot", {"colour": "red"}, "colour"),
        ("Slot", {"start": "ge2027-03-01T09:00:00"}, "start"),
        ("Slot", {"start": "sa2027-03-01T09:00:00Z"}, "start"),
        ("Slot", {"start": "ge2027-02-30T09:00:00Z"}, "start"),
        ("Slot", {"start": "2027-03-01"}, "start"),
        ("Slot", {"start": ["ge2027-03-01T09:00:00Z", "lt2029-03-01T09:00:00Z"]}, "start"),
        ("Slot", {"status": "booked"}, "status"),
        ("Slot", {"schedule": "Practitioner/1"}, "schedule"),
        ("Slot", {"specialty": "http://snomed.info/sct|394579002"}, "specialty"),
        ("Slot", {"_count": "abc"}, "_count"),
        ("Slot", {"_count": "0"}, "_count"),
        ("Slot", {"_page": "99999999999999999999"}, "_page"),
        ("Appointment", {"status": "scheduled"}, "status"),
        ("Appointment", {"date": "ge9999-01-01T00:00:00Z"}, "date"),
        ("Appointment", {"patient": "Patient/99999999999999999999"}, "patient"),
        ("Practitioner", {"name:exact": "x"}, "name:exact"),
        ("Appointment/$find", {"start": "2027-03-01T09:00:00Z"}, "end"),
        ("Appointment/$find", {"start": "2027-03-01T09:00:00Z", "end": "2029-03-01T09:00:00Z"}, "end"),
    ],
)
def test_bad_search_input_is_a_400_naming_the_parameter(patient_client, path, params, where):
    outcome(get(patient_client, path, params), 400, "invalid", where=where)


def test_lenient_handling_ignores_unknown_parameters(patient_client, slots):
    bundle = ok(get(patient_client, "Slot", {"colour": "red"}, HTTP_PREFER="handling=lenient"), "Bundle")
    assert bundle["total"] == 3 and "colour" not in bundle["link"][0]["url"]


def test_count_over_100_is_capped(patient_client, slots):
    bundle = ok(get(patient_client, "Slot", {"_count": "500"}), "Bundle")
    assert "_count=100" in bundle["link"][0]["url"]


def test_errors_are_operation_outcomes(api_client, patient_client, doctor):
    response = get(api_client, f"Practitioner/{doctor.pk}")
    outcome(response, 401, "login")
    assert response["WWW-Authenticate"].startswith("Bearer")
    outcome(get(api_client, f"Practitioner/{doctor.pk}", HTTP_AUTHORIZATION="Bearer nope"), 401, "login")
    outcome(get(patient_client, "Practitioner/999999999"), 404, "not-found")
    for path in ("Practitioner/abc", "Nope", "Patient", "Appointment/proposed-x", "metadata/", "../R5/metadata"):
        outcome(get(patient_client, path), 404, "not-found")
    outcome(patient_client.get("/fhir/whatever/"), 404, "not-found")
    outcome(patient_client.delete(f"{R4}Practitioner/{doctor.pk}"), 405, "not-supported")
    outcome(post(patient_client, "Appointment/$book", {"resourceType": "Patient"}), 400, "invalid")
    outcome(post(patient_client, "Appointment/$book", parameters(appointment_reference="Slot/1")), 400, "invalid")
    bad_json = patient_client.post(f"{R4}Appointment/$find", "{", content_type="application/fhir+json")
    outcome(bad_json, 400, "invalid")


# ----- query budgets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["Slot", "Appointment", "Practitioner", "Schedule", "Appointment/$find"])
def test_searches_cost_a_fixed_number_of_queries(admin_client, doctor, path):
    def count():
        params = {"start": iso(timezone.now()), "end": iso(timezone.now() + datetime.timedelta(days=60))}
        with CaptureQueriesContext(connection) as captured:
            ok(get(admin_client, path, params if path.endswith("$find") else None), "Bundle")
        return len(captured)

    AppointmentFactory(slot=SlotFactory(doctor=doctor, status=SlotStatus.BOOKED, **at(0)))
    SlotFactory(**at(0))
    few = count()
    for hour in range(1, 6):
        AppointmentFactory(slot=SlotFactory(status=SlotStatus.BOOKED, **at(hour)))
        SlotFactory(**at(hour))
    assert count() == few <= 4


# ----- $hold, $book of a hold; every status validates ---------------------------------------------------


def test_hold_then_book_confirms_and_another_patients_hold_is_a_404(patient_client, other_patient_client, slots):
    reference = parameters(appointment_reference=f"Appointment/proposed-{slots[0].pk}")
    held = ok(post(patient_client, "Appointment/$hold", reference), "Bundle")["entry"][0]["resource"]
    assert held["status"] == "pending"
    slot = ok(get(patient_client, f"Slot/{slots[0].pk}"), "Slot")
    assert slot["status"] == "busy-tentative"
    again = outcome(post(other_patient_client, "Appointment/$hold", reference), 409)
    assert again["issue"][0]["severity"] == "fatal" and again["issue"][0]["code"] == "not-found"
    mine = parameters(appointment_reference=f"Appointment/{held['id']}")
    outcome(post(other_patient_client, "Appointment/$book", mine), 404, "not-found")
    booked = ok(post(patient_client, "Appointment/$book", mine), "Bundle")["entry"][0]["resource"]
    assert booked["status"] == "booked" and booked["id"] == held["id"]
    assert ok(get(patient_client, f"Slot/{slots[0].pk}"), "Slot")["status"] == "busy"
    outcome(post(patient_client, "Appointment/$hold", mine), 400, "invalid", where="appointment-reference")


def test_hold_and_book_run_once_per_idempotency_key(patient, patient_client, slots):
    reference = parameters(appointment_reference=f"Appointment/proposed-{slots[0].pk}")
    held = ok(post(patient_client, "Appointment/$hold", reference, HTTP_IDEMPOTENCY_KEY="hold-1"), "Bundle")
    retried = post(patient_client, "Appointment/$hold", reference, HTTP_IDEMPOTENCY_KEY="hold-1")
    assert ok(retried, "Bundle") == held and retried["Idempotent-Replayed"] == "true"
    assert retried["Content-Type"].startswith("application/fhir+json")
    assert Appointment.objects.filter(patient=patient).count() == 1
    other = parameters(appointment_reference=f"Appointment/proposed-{slots[1].pk}")
    outcome(post(patient_client, "Appointment/$hold", other, HTTP_IDEMPOTENCY_KEY="hold-1"), 422, "business-rule")
    mine = parameters(appointment_reference=f"Appointment/{held['entry'][0]['resource']['id']}")
    booked = ok(post(patient_client, "Appointment/$book", mine, HTTP_IDEMPOTENCY_KEY="book-1"), "Bundle")
    again = post(patient_client, "Appointment/$book", mine, HTTP_IDEMPOTENCY_KEY="book-1")
    assert ok(again, "Bundle") == booked and again["Idempotent-Replayed"] == "true"
    outcome(post(patient_client, "Appointment/$book", mine, HTTP_IDEMPOTENCY_KEY=" \x01"), 400, "invalid")


@pytest.mark.parametrize("status", ["pending", "scheduled", "checked_in", "completed", "cancelled", "no_show"])
def test_every_appointment_status_validates(admin_client, status):
    extra = {"hold_expires_at": timezone.now() + datetime.timedelta(minutes=5)} if status == "pending" else {}
    slot_status = {"pending": SlotStatus.HELD, "cancelled": SlotStatus.FREE}.get(status, SlotStatus.BOOKED)
    appointment = AppointmentFactory(status=status, slot=SlotFactory(status=slot_status, **at(30)), **extra)
    body = ok(get(admin_client, f"Appointment/{appointment.pk}"), "Appointment")
    expected = {
        "pending": "pending",
        "scheduled": "booked",
        "checked_in": "arrived",
        "completed": "fulfilled",
        "cancelled": "cancelled",
        "no_show": "noshow",
    }[status]
    assert body["status"] == expected
    assert ok(get(admin_client, f"Slot/{appointment.slot_id}"), "Slot")["status"] in ("free", "busy-tentative", "busy")
    assert ids(ok(get(admin_client, "Appointment", {"status": expected}), "Bundle")) == [str(appointment.pk)]


def test_an_expired_hold_reads_cancelled(admin_client):
    hold = AppointmentFactory(
        status="pending",
        slot=SlotFactory(status=SlotStatus.HELD, **at(31)),
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert ok(get(admin_client, f"Appointment/{hold.pk}"), "Appointment")["status"] == "cancelled"
    assert ids(ok(get(admin_client, "Appointment", {"status": "pending"}), "Bundle")) == []
    assert ids(ok(get(admin_client, "Appointment", {"status": "cancelled"}), "Bundle")) == [str(hold.pk)]
