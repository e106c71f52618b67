"""Every stored email in its normalised form, and on PostgreSQL a check that keeps it so.

Addresses stored before normalisation (``accounts.models.normalize_email``) could hold full-width
letters, IDNA dot variants, a trailing dot or ``xn--`` labels: their owners could not sign in with what
they type, and the plain form could be registered as a second account. Each is rewritten to its
normalised form. If two accounts normalise to the same address the migration stops and lists their ids
(not their addresses: migration output ends up in logs); an operator merges or renames them, then runs
it again.

The check (PostgreSQL 13+, UTF-8 databases) is what SQL can say of the normalised form:
``email = lower(normalize(email, NFKC))``. The IDNA mapping of the domain is beyond it; the services
and the model's validation apply that.
"""

import unicodedata

from django.db import migrations

CONSTRAINT = "accounts_user_email_normalized"
TABLE = "accounts_user"


def _normalize(email: str) -> str:
    # The live function, deliberately: the stored form is whatever sign-in compares against today.
    from accounts.models import normalize_email

    return normalize_email(email)


def normalize_stored_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    by_normalized: dict[str, list[int]] = {}
    changes: dict[int, str] = {}
    unstable: list[int] = []
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        normalized = _normalize(email)
        by_normalized.setdefault(normalized, []).append(pk)
        if normalized != email:
            changes[pk] = normalized
        if unicodedata.normalize("NFKC", normalized).lower() != normalized:
            unstable.append(pk)
    collisions = [ids for ids in by_normalized.values() if len(ids) > 1]
    if collisions or unstable:
        lines = [f"  users {', '.join(map(str, ids))} share one address once normalised" for ids in collisions]
        lines += [f"  user {pk}'s address has no stable lower-case form" for pk in unstable]
        raise RuntimeError(
            "accounts.0005_normalized_emails: cannot normalise the stored email addresses. Merge the "
            "accounts or change their addresses (in the admin), then migrate again:\n" + "\n".join(lines)
        )
    # No collisions, and normalising is idempotent: no new value equals another row's current one.
    for pk, normalized in changes.items():
        User.objects.filter(pk=pk).update(email=normalized)
    if _check_supported(schema_editor.connection):
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events before ALTER TABLE
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} CHECK (email = lower(normalize(email, NFKC)))"
        )


def _check_supported(connection) -> bool:
    """``normalize()`` exists from PostgreSQL 13, and only in UTF-8 databases."""
    if connection.vendor != "postgresql" or connection.pg_version < 130000:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        return cursor.fetchone()[0] == "UTF8"


def drop_check(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_id_role_unique")]

    operations = [migrations.RunPython(normalize_stored_emails, drop_check)]
