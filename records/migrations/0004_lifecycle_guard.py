"""A visit with a medical record happened: the database refuses what would contradict it (PostgreSQL).

- no record for a cancelled or no-show visit (a deny-list, so that statuses added later, such as
  ``checked_in``, are recordable without touching this; the services allow-list them);
- a visit with a record is never cancelled, marked no-show, or moved (another doctor, slot or time).

The services check all this first under the appointment's lock; these triggers are the final guard
against any other writer. The record trigger reads the appointment FOR SHARE, which waits for a command
holding it, and the appointment trigger's query sees records committed while its UPDATE waited.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION records_record_needs_a_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE visit_status text;
BEGIN
    SELECT status INTO visit_status FROM appointments_appointment WHERE id = NEW.appointment_id FOR SHARE;
    IF visit_status IN ('cancelled', 'no_show') THEN
        RAISE EXCEPTION 'a % appointment cannot have a medical record', visit_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'records_record_needs_a_visit';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION records_visit_with_record_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM records_medicalrecord WHERE appointment_id = NEW.id) THEN
        RAISE EXCEPTION 'appointment % has a medical record: it cannot be cancelled, marked no-show or moved', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'records_visit_with_record_stays';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER records_record_needs_a_visit BEFORE INSERT OR UPDATE OF appointment_id ON records_medicalrecord
    FOR EACH ROW EXECUTE FUNCTION records_record_needs_a_visit();

CREATE TRIGGER records_visit_with_record_stays BEFORE UPDATE ON appointments_appointment
    FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('cancelled', 'no_show')
          OR NEW.doctor_id IS DISTINCT FROM OLD.doctor_id OR NEW.slot_id IS DISTINCT FROM OLD.slot_id
          OR NEW.start IS DISTINCT FROM OLD.start)
    EXECUTE FUNCTION records_visit_with_record_stays();
"""

DROP = """
DROP TRIGGER IF EXISTS records_visit_with_record_stays ON appointments_appointment;
DROP TRIGGER IF EXISTS records_record_needs_a_visit ON records_medicalrecord;
DROP FUNCTION IF EXISTS records_visit_with_record_stays();
DROP FUNCTION IF EXISTS records_record_needs_a_visit();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)  # the SQL holds literal % for RAISE's format


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ('records', '0003_shared_append_only'),
        ('appointments', '0005_event_append_only'),
    ]

    operations = [migrations.RunPython(create, drop)]
