"""Hypothesis over the FHIR search and operation parameters: whatever arrives, never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

NAMES = [
    "schedule",
    "status",
    "start",
    "specialty",
    "patient",
    "practitioner",
    "date",
    "_count",
    "_page",
    "_id",
    "name",
    "actor",
    "end",
    "x",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "ge2027-03-01T09:00:00Z",
            "lt2027-03-01T09:00:00+01:00",
            "Practitioner/1",
            "Schedule/1",
            "free",
            "busy",
            "booked",
            "1",
            "0",
            "-1",
            "99999999999999999999",
            "a|b",
            "|",
            ",",
            "ge",
            "",
        ]
    ),
)
PATHS = ["Slot", "Appointment", "Practitioner", "Schedule", "Appointment/$find"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), params=st.dictionaries(st.sampled_from(NAMES), st.lists(VALUES, max_size=3)))
def test_searches_never_5xx(patient_client, path, params):
    response = patient_client.get(f"/fhir/R4/{path}", params)
    assert response.status_code in (200, 400, 404), response.content
    assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
        max_leaves=10,
    )
    | st.fixed_dictionaries(
        {
            "resourceType": st.just("Parameters"),
            "parameter": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from(["appointment-reference", "patient-reference", "start"]),
                        "valueReference": st.fixed_dictionaries({"reference": VALUES}),
                    }
                ),
                max_size=3,
            ),
        }
    )
)
def test_operations_never_5xx(patient_client, body):
    response = patient_client.post("/fhir/R4/Appointment/$book", body, format="json")
    assert response.status_code < 500, response.content
    assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")
