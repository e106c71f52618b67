"""Re-encrypt every encrypted column with the first FIELD_ENCRYPTION_KEY, so an old key can be retired.

Safe while the API serves:

* each batch is read without locks; a value is rewritten only if it is still the one read
  (``UPDATE … WHERE id = %s AND col = <old ciphertext>``), so a value the API changed meanwhile (and
  therefore wrote with the first key) is never overwritten with the stale one;
* one short transaction per batch of one table, rows in ascending id (the order every other writer of
  one table uses), so it holds few locks for a few milliseconds;
* tables made append-only by triggers (record versions) have those triggers switched off inside the
  batch's transaction only: no other session ever sees them off, and doing so needs the table owner's
  rights (run the command with the role that runs ``migrate``, as for any schema change).

Resumable: values already under the first key are skipped after an HMAC check, so an interrupted run
is finished by running it again. ``--check`` only counts what is left (exit status 1 if anything is).
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from scheduler.fields import DecryptionError, EncryptedTextField, is_under_first_key, reencrypt


def encrypted_tables():
    """(model, [encrypted column names]) for every concrete model with an encrypted field."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        columns = [f.column for f in meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if columns:
            yield model, columns


def read_batch(model, columns: list[str], *, after, size: int) -> list[tuple]:
    """Raw ciphertexts (no decryption) of up to ``size`` rows with a primary key above ``after``."""
    q = connection.ops.quote_name
    pk = q(model._meta.pk.column)
    sql = (
        f"SELECT {pk}, {', '.join(q(c) for c in columns)} FROM {q(model._meta.db_table)} "  # noqa: S608 (names from the models)
        f"WHERE {pk} > %s ORDER BY {pk} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [after, size])
        return cursor.fetchall()


def rewrite(model, column: str, changes: list[tuple[str, object, str]]) -> int:
    """Write each (new, pk, old) where the column still holds ``old``; returns how many rows changed."""
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(model._meta.db_table)} SET {q(column)} = %s "  # noqa: S608 (names from the models)
        f"WHERE {q(model._meta.pk.column)} = %s AND {q(column)} = %s"
    )
    changed = 0
    with connection.cursor() as cursor:
        for change in changes:  # one statement per value: rowcount says whether it still matched
            cursor.execute(sql, change)
            changed += cursor.rowcount
    return changed


def enabled_user_triggers(table: str) -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled = 'O'",
            [connection.ops.quote_name(table)],
        )
        return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the first FIELD_ENCRYPTION_KEY (batched, resumable, online)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--check", action="store_true", help="Only count values under an older key.")

    def handle(self, *args, batch_size: int, check: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        stale_total = unreadable_total = 0
        for model, columns in encrypted_tables():
            stale, written, unreadable = self._table(model, columns, batch_size=batch_size, check=check)
            stale_total += stale
            unreadable_total += unreadable
            if check:
                self.stdout.write(f"{model._meta.label}: {stale} value(s) under an older key.")
            else:
                # A value that no longer matched was rewritten by the API meanwhile, with the first key.
                self.stdout.write(
                    f"{model._meta.label}: {written} value(s) re-encrypted, {stale - written} changed meanwhile."
                )
        if unreadable_total:
            raise CommandError(f"{unreadable_total} value(s) could not be decrypted with any configured key.")
        if check and stale_total:
            raise CommandError(f"{stale_total} value(s) are still under an older key: run reencrypt_fields.")
        self.stdout.write("Every encrypted value is under the first key." if not check else "Nothing to re-encrypt.")

    def _table(self, model, columns, *, batch_size: int, check: bool) -> tuple[int, int, int]:
        """(readable values under an older key, values re-encrypted, values no key decrypts) of one table."""
        stale = written = unreadable = 0
        after = 0
        while rows := read_batch(model, columns, after=after, size=batch_size):
            after = rows[-1][0]
            changes = {column: [] for column in columns}
            for pk, *values in rows:
                for column, value in zip(columns, values, strict=True):
                    if not value or is_under_first_key(value):
                        continue
                    try:
                        changes[column].append((reencrypt(value), pk, value))
                    except DecryptionError:
                        unreadable += 1
                        self.stderr.write(f"{model._meta.label} id {pk}: {column} cannot be decrypted.")
                        continue
                    stale += 1
            if not check and any(changes.values()):
                written += self._write(model, changes)
        return stale, written, unreadable

    @staticmethod
    def _write(model, changes: dict[str, list]) -> int:
        table = model._meta.db_table
        with transaction.atomic():
            triggers = enabled_user_triggers(table)
            q = connection.ops.quote_name
            with connection.cursor() as cursor:
                if triggers:  # ALTER TABLE refuses to run while deferred constraint checks are pending
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name in triggers:  # append-only guards; back on before this transaction commits
                    cursor.execute(f"ALTER TABLE {q(table)} DISABLE TRIGGER {q(name)}")
            written = sum(rewrite(model, column, column_changes) for column, column_changes in changes.items())
            with connection.cursor() as cursor:
                for name in triggers:
                    cursor.execute(f"ALTER TABLE {q(table)} ENABLE TRIGGER {q(name)}")
        return written
