"""Stored Idempotency-Key answers are encrypted: they hold clinical text (a booking's reason).

The column becomes text; the answers already stored (JSON in clear) are encrypted in place, so a
retry after the deploy still gets its first answer.
"""

from django.db import migrations

import scheduler.fields


def _rewrite(schema_editor, convert) -> None:
    # Raw SQL: the historical model's field would try to decrypt the values still in clear.
    connection = schema_editor.connection
    table = connection.ops.quote_name("scheduler_idempotencykey")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, response_body FROM {table}")
        rows = cursor.fetchall()
        cursor.executemany(f"UPDATE {table} SET response_body = %s WHERE id = %s", [(convert(v), pk) for pk, v in rows])


def encrypt_answers(apps, schema_editor):
    _rewrite(schema_editor, scheduler.fields.encrypt)


def decrypt_answers(apps, schema_editor):
    _rewrite(schema_editor, scheduler.fields.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduler", "0002_cache_table"),
    ]

    operations = [
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_body",
            field=scheduler.fields.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_answers, decrypt_answers),
    ]
