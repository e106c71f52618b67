"""Schema pieces Django cannot declare, shared by the apps' migrations (PostgreSQL only; no-ops elsewhere).

Migrations import these, so they must keep working for every migration that already uses them: change
them only in ways that leave the SQL of existing calls the same.
"""

from django.db import migrations

REFUSE_CHANGE = "append_only_refuse_change"


def _on_postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def append_only(table: str) -> migrations.RunPython:
    """Make ``table`` append-only: a row trigger refuses UPDATE and DELETE whatever the client.

    (TRUNCATE needs the table owner's rights, which the application's database role should not have.)
    Every append-only table shares one trigger function; reversing drops only this table's trigger.
    """

    def forward(apps, schema_editor):
        if not _on_postgres(schema_editor):
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {REFUSE_CHANGE}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END $$;
            """,
            params=None,  # the SQL holds a literal % for RAISE's format string
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {REFUSE_CHANGE}();"
        )

    def backward(apps, schema_editor):
        if _on_postgres(schema_editor):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")

    return migrations.RunPython(forward, backward)


def profile_role_fk(*, table: str, name: str) -> migrations.RunPython:
    """Tie a profile to its account's role: FOREIGN KEY (user_id, user_role) → accounts_user (id, role).

    With the profile's ``user_role`` pinned by a check constraint (doctor or patient), a profile can only
    point at a user of that role, and that user's role cannot change while the profile exists (the key
    cannot be updated under a referencing row). Declarative, so it also holds under concurrency: the
    foreign-key check's KEY SHARE lock and a role change exclude each other. Not deferred: the
    violation surfaces at the statement that causes it.
    """

    def forward(apps, schema_editor):
        if _on_postgres(schema_editor):
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (user_id, user_role) "
                "REFERENCES accounts_user (id, role);"
            )

    def backward(apps, schema_editor):
        if _on_postgres(schema_editor):
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name};")

    return migrations.RunPython(forward, backward)
