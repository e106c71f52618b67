"""An appointment's history is append-only in the database, like the record audit tables."""

import pytest
from django.db import DatabaseError, transaction

from appointments.models import AppointmentEvent
from appointments.services import cancel_appointment
from appointments.tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_database_refuses_to_change_or_delete_an_event(admin_user):
    appointment = AppointmentFactory()
    cancel_appointment(appointment=appointment, by=admin_user)
    assert AppointmentEvent.objects.filter(appointment=appointment).exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppointmentEvent.objects.all().update(action="booked")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppointmentEvent.objects.all()._raw_delete(using="default")
    assert AppointmentEvent.objects.filter(appointment=appointment, action="cancelled").count() == 1
