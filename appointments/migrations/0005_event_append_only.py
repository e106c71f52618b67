from django.db import migrations

from scheduler.migration_ops import append_only


class Migration(migrations.Migration):
    """The appointment history is append-only in the database, like the record audit tables."""

    dependencies = [
        ('appointments', '0004_drop_unused_created_at_index'),
    ]

    operations = [
        append_only('appointments_appointmentevent'),
    ]
