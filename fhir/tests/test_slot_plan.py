"""The FHIR slot search is the REST slot search: the same one statement, so the same index-only plan."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doctors.tests.factories import DoctorFactory, SlotFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def slot_statements(client, path, params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    return [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "doctors_slot"' in q["sql"] or "FROM doctors_slot" in q["sql"]
    ]


def test_fhir_sends_the_rest_search_statement_and_postgresql_answers_it_from_the_covering_index(patient_client):
    doctor = DoctorFactory()
    for _ in range(5):
        SlotFactory(doctor=doctor)
    now = timezone.now().replace(microsecond=0)
    after, before = now.isoformat(), (now + datetime.timedelta(days=14)).isoformat()
    rest = slot_statements(
        patient_client,
        "/api/slots/",
        {
            "specialization": doctor.specialization_id,
            "status": "free",
            "start_after": after,
            "start_before": before,
            "page_size": 20,
        },
    )
    fhir = slot_statements(
        patient_client,
        "/fhir/R4/Slot",
        {"specialty": doctor.specialization_id, "status": "free", "start": [f"ge{after}", f"lt{before}"], "_count": 20},
    )
    assert len(rest) == len(fhir) == 1 and fhir == rest
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show its index
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {fhir[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # With a handful of rows the planner may pick either covering partial index; both are index-only.
    assert plan.count("Index Only Scan using slot_free_by_") == 2 and "Seq Scan" not in plan, plan
