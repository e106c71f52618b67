"""The validators the FHIR tests rely on do refuse what they must (a check that cannot fail is no check)."""

import pytest

from fhir.tests.validation import assert_valid

SLOT = {
    "resourceType": "Slot",
    "id": "1",
    "schedule": {"reference": "Schedule/1"},
    "status": "free",
    "start": "2027-03-01T09:00:00Z",
    "end": "2027-03-01T10:00:00Z",
}
APPOINTMENT = {
    "resourceType": "Appointment",
    "id": "1",
    "status": "booked",
    "start": "2027-03-01T09:00:00Z",
    "end": "2027-03-01T10:00:00Z",
    "participant": [{"actor": {"reference": "Patient/1"}, "status": "accepted"}],
}


def test_the_valid_ones_pass():
    assert_valid(SLOT)
    assert_valid(APPOINTMENT)
    assert_valid(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [{"fullUrl": "http://x/fhir/R4/Slot/1", "resource": SLOT, "search": {"mode": "match"}}],
        }
    )


@pytest.mark.parametrize(
    "broken",
    [
        {**SLOT, "status": "booked"},  # our word, not a FHIR code: the schema
        {**SLOT, "colour": "red"},  # unknown element: the schema
        {k: v for k, v in SLOT.items() if k != "schedule"},  # missing required element: fhirclient
        {**SLOT, "start": "2027-03-01T09:00:00"},  # no zone: the schema's instant pattern
        {**APPOINTMENT, "status": "scheduled"},
        {**APPOINTMENT, "participant": [{"status": "accepted"}]},  # app-1
        {k: v for k, v in APPOINTMENT.items() if k != "end"},  # app-2
        {**APPOINTMENT, "cancelationReason": {"text": "x"}},  # app-4
        {**APPOINTMENT, "status": "cancelled", "cancellationReason": {"text": "x"}},  # the R5 spelling
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": {**SLOT, "status": "booked"}, "search": {"mode": "match"}}],
        },
    ],
)
def test_the_broken_ones_fail(broken):
    with pytest.raises(Exception):  # noqa: B017 - any of the three checks
        assert_valid(broken)
