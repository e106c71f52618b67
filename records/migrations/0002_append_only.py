"""Make the audit trail and the record versions append-only in the database itself (PostgreSQL).

Row-level triggers refuse UPDATE and DELETE whatever the client: the app, the admin, a shell or psql.
(TRUNCATE needs the table owner's rights, which the application's database role should not have.)
"""

from django.db import migrations

TABLES = ["records_recordaccesslog", "records_medicalrecordversion"]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END $$;
        """,
        params=None,  # the SQL holds a literal % for RAISE's format string
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION records_refuse_change();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS records_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
