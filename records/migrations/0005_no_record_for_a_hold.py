"""A hold (``pending``) is not a visit either: the record trigger refuses it like cancelled and no-show."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION records_record_needs_a_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE visit_status text;
BEGIN
    SELECT status INTO visit_status FROM appointments_appointment WHERE id = NEW.appointment_id FOR SHARE;
    IF visit_status IN ({statuses}) THEN
        RAISE EXCEPTION 'a % appointment cannot have a medical record', visit_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'records_record_needs_a_visit';
    END IF;
    RETURN NEW;
END $$;
"""


def replace(statuses: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(FUNCTION.format(statuses=statuses), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ('records', '0004_lifecycle_guard'),
        ('appointments', '0006_lifecycle'),
    ]

    operations = [
        migrations.RunPython(
            replace("'cancelled', 'no_show', 'pending'"), replace("'cancelled', 'no_show'")
        ),
    ]
