"""A key belongs to one user on one endpoint. Every key stored so far came from booking, the only command
that accepted the header until now: those rows get its endpoint, so a retry across the deploy still replays.
The column has a database default, so processes of the previous release can still insert during a deploy."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduler", "0004_worker_heartbeat"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="idempotencykey", name="idempotency_user_key_unique"),
        migrations.AddField(
            model_name="idempotencykey", name="scope", field=models.CharField(db_default="", max_length=255)
        ),
        migrations.RunSQL(
            "UPDATE scheduler_idempotencykey SET scope = 'POST /api/appointments/'", migrations.RunSQL.noop
        ),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(fields=("user", "scope", "key"), name="idempotency_user_scope_key_unique"),
        ),
    ]
