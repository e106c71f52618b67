"""Every history and audit table is append-only twice over: the model (``AppendOnlyModel``) and a trigger."""

import pytest
from django.apps import apps
from django.db import connection

from appointments.models import AppointmentEvent
from appointments.services import cancel_appointment
from appointments.tests.factories import AppointmentFactory
from scheduler.models import AppendOnlyModel

pytestmark = pytest.mark.django_db


def append_only_models() -> list[type[AppendOnlyModel]]:
    return [model for model in apps.get_models() if issubclass(model, AppendOnlyModel)]


def test_the_history_and_audit_tables_are_append_only_models():
    names = {model._meta.label for model in append_only_models()}
    assert names == {
        "appointments.AppointmentEvent",
        "patients.PatientAccessLog",
        "records.MedicalRecordVersion",
        "records.RecordAccessLog",
    }


@pytest.mark.postgres
def test_each_append_only_model_has_its_trigger_and_no_other_table_has_one():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%\\_append\\_only'")
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == {model._meta.db_table for model in append_only_models()}


def test_the_model_refuses_to_change_or_delete_a_saved_row(admin_user):
    appointment = AppointmentFactory()
    cancel_appointment(appointment=appointment, by=admin_user)
    event = AppointmentEvent.objects.get(appointment=appointment)
    event.action = AppointmentEvent.Action.BOOKED
    with pytest.raises(PermissionError, match="append-only"):
        event.save()
    with pytest.raises(PermissionError, match="append-only"):
        event.delete()
    assert AppointmentEvent.objects.get(appointment=appointment).action == AppointmentEvent.Action.CANCELLED
