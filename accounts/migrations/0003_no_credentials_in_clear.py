"""No credential that signs anyone in is stored in clear (DesignDecisions.md, Tokens).

* Refresh tokens: every stored ``OutstandingToken.token`` is blanked. The tokens stay valid (the
  blacklist works by ``jti``), so nobody is signed out; on PostgreSQL a check constraint keeps the
  column empty from now on.
* Admin sessions: rows keyed by the raw cookie value are deleted, since the hashed-key engine
  (``accounts.sessions``) could never find them again; admins sign in once more.
"""

from django.db import migrations

CONSTRAINT = "outstanding_token_not_stored"
TABLE = "token_blacklist_outstandingtoken"


def forwards(apps, schema_editor):
    apps.get_model("token_blacklist", "OutstandingToken").objects.exclude(token="").update(token="")
    apps.get_model("sessions", "Session").objects.all().delete()
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events before ALTER TABLE
        schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} CHECK (token = '')")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_email"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
