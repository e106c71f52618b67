"""Move the record audit tables' triggers onto the shared append-only function (scheduler/migration_ops.py).

0002 created them with a records-only copy of that function; one function and one helper now serve
every append-only table.
"""

import importlib

from django.db import migrations

from scheduler.migration_ops import append_only

TABLES = ["records_recordaccesslog", "records_medicalrecordversion"]


def drop_records_copy(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS records_refuse_change();")


def restore_records_copy(apps, schema_editor):
    importlib.import_module("records.migrations.0002_append_only").create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ('records', '0002_append_only'),
    ]

    operations = [
        migrations.RunPython(drop_records_copy, restore_records_copy),
        *(append_only(table) for table in TABLES),
    ]
