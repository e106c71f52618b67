"""A patient's journey through the client that openapi-python-client generates from /api/schema/.

Written as a new user of the generated client would write it, type-checked with ``mypy --strict`` and
run against a test server by scheduler/tests/test_client_generators.py. Usage: journey.py BASE_URL
"""

import datetime
import sys

from clinic_client import AuthenticatedClient, Client
from clinic_client.api.appointments import (
    appointments_cancel,
    appointments_confirm,
    appointments_create,
    appointments_hold,
    appointments_list,
    appointments_retrieve,
    booking_policy_retrieve,
)
from clinic_client.api.auth import auth_me, auth_register, auth_token_obtain, auth_token_refresh
from clinic_client.api.slots import slots_list
from clinic_client.models import (
    Appointment,
    AppointmentBookRequest,
    AppointmentCancelRequest,
    AppointmentHoldRequest,
    AppointmentStatusEnum,
    BookingPolicy,
    Conflict,
    ConflictCodeEnum,
    Error,
    LoginRequest,
    Me,
    PaginatedAppointmentList,
    PaginatedSlotList,
    Patient,
    PatientRegisterRequest,
    RefreshRequest,
    RoleEnum,
    SlotStatusEnum,
    TokenPair,
    ValidationError,
)

EMAIL = "journey@example.org"
PASSWORD = "journey-passphrase-1"


def main(base_url: str) -> None:
    # raise_on_unexpected_status: an answer the document does not declare is a failure, not a None.
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    # Register without insurance details: they are optional.
    registration = PatientRegisterRequest(
        email=EMAIL,
        password=PASSWORD,
        first_name="Jo",
        last_name="Urney",
        phone="+14155550142",
        date_of_birth=datetime.date(1990, 5, 17),
    )
    patient = auth_register.sync(client=anonymous, body=registration)
    assert isinstance(patient, Patient), patient
    assert patient.insurance_name == ""

    # The same email again: a 400 whose body maps the field to its messages.
    taken = auth_register.sync(client=anonymous, body=registration)
    assert isinstance(taken, ValidationError), taken
    assert taken.additional_properties["email"], taken.additional_properties

    wrong = auth_token_obtain.sync(client=anonymous, body=LoginRequest(email=EMAIL, password="not it"))
    assert isinstance(wrong, Error) and wrong.code == "invalid_credentials", wrong

    pair = auth_token_obtain.sync(client=anonymous, body=LoginRequest(email=EMAIL, password=PASSWORD))
    assert isinstance(pair, TokenPair), pair
    pair = auth_token_refresh.sync(client=anonymous, body=RefreshRequest(refresh=pair.refresh))
    assert isinstance(pair, TokenPair), pair
    client = AuthenticatedClient(base_url=base_url, token=pair.access, raise_on_unexpected_status=True)

    me = auth_me.sync(client=client)
    assert isinstance(me, Me) and me.role is RoleEnum.PATIENT and me.patient_id == patient.id, me

    # Search free slots and book the first one with just `{slot}`.
    slots = slots_list.sync(client=client, status=SlotStatusEnum.FREE)
    assert isinstance(slots, PaginatedSlotList) and slots.results, slots
    slot = slots.results[0]
    booked = appointments_create.sync(client=client, body=AppointmentBookRequest(slot=slot.id))
    assert isinstance(booked, Appointment) and booked.status is AppointmentStatusEnum.SCHEDULED, booked

    # Booking it again is a 409 whose code is one of the documented ones.
    again = appointments_create.sync(client=client, body=AppointmentBookRequest(slot=slot.id))
    assert isinstance(again, Conflict), again
    assert again.code in (ConflictCodeEnum.SLOT_UNAVAILABLE, ConflictCodeEnum.PATIENT_CONFLICT), again

    # Not found and past the last page: documented 404s with a JSON body.
    missing = appointments_retrieve.sync(booked.id + 10_000, client=client)
    assert isinstance(missing, Error) and missing.code == "not_found", missing
    past_last = slots_list.sync(client=client, page=10_000)
    assert isinstance(past_last, Error), past_last

    mine = appointments_list.sync(client=client, status=AppointmentStatusEnum.SCHEDULED)
    assert isinstance(mine, PaginatedAppointmentList) and [a.id for a in mine.results] == [booked.id], mine

    # Cancel with an empty body `{}`.
    cancelled = appointments_cancel.sync(booked.id, client=client, body=AppointmentCancelRequest())
    assert isinstance(cancelled, Appointment), cancelled
    assert cancelled.status is AppointmentStatusEnum.CANCELLED and cancelled.cancelled_by_role is RoleEnum.PATIENT

    # Hold the next slot while "paying", then confirm it; one Idempotency-Key serves the whole checkout.
    policy = booking_policy_retrieve.sync(client=client)
    assert isinstance(policy, BookingPolicy) and policy.hold_seconds >= 10, policy
    checkout = "checkout-1"
    held = appointments_hold.sync(
        client=client, body=AppointmentHoldRequest(slot=slots.results[1].id), idempotency_key=checkout
    )
    assert isinstance(held, Appointment) and held.status is AppointmentStatusEnum.PENDING, held
    assert isinstance(held.hold_expires_at, datetime.datetime), held
    confirmed = appointments_confirm.sync(held.id, client=client, idempotency_key=checkout)
    assert isinstance(confirmed, Appointment) and confirmed.status is AppointmentStatusEnum.SCHEDULED, confirmed
    assert confirmed.hold_expires_at is None, confirmed
    # A retry of the confirm (a lost answer) gets the same answer.
    again = appointments_confirm.sync(held.id, client=client, idempotency_key=checkout)
    assert isinstance(again, Appointment) and again.id == confirmed.id, again
    print("journey ok")


if __name__ == "__main__":
    main(sys.argv[1])
