"""Append read entries to an append-only access log, coalescing repeated identical reads.

A client reading the same thing in a loop would otherwise write rows as fast as it can ask, and those
rows can never be deleted. A read is written unless the same user read the same object the same way
from the same address within the last ``AUDIT_COALESCE_SECONDS``: every distinct access is recorded,
and a loop costs one row per window. Writes (create, update) are never coalesced.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


def append_reads(
    model: type[models.Model],
    *,
    object_field: str,
    object_ids: Iterable[int],
    user_id: int,
    action: str,
    ip: str | None,
) -> None:
    """One entry per object in ``object_ids`` not already read so within the window (one statement).

    ``model`` has ``user``, ``object_field``, ``action``, ``at`` and ``ip_address`` fields; the lookup
    uses its (object, at) index. Two identical reads running at the very same moment may both be
    written: the bound is the number of simultaneous requests, not their rate.
    """
    ids = list(dict.fromkeys(object_ids))
    if not ids:
        return
    now = timezone.now()
    window = settings.AUDIT_COALESCE_SECONDS
    if window <= 0:
        model.objects.bulk_create(
            [model(user_id=user_id, action=action, ip_address=ip, **{f"{object_field}_id": pk}) for pk in ids]
        )
        return
    since = now - datetime.timedelta(seconds=window)
    if connection.vendor != "postgresql":  # development on SQLite: the same rule in two statements
        seen = set(
            model.objects.filter(
                user_id=user_id, action=action, ip_address=ip, at__gt=since, **{f"{object_field}_id__in": ids}
            ).values_list(f"{object_field}_id", flat=True)
        )
        model.objects.bulk_create(
            [
                model(user_id=user_id, action=action, ip_address=ip, **{f"{object_field}_id": pk})
                for pk in ids
                if pk not in seen
            ]
        )
        return
    # Only the table and column names are formatted in, from the model's metadata; values are parameters.
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(object_field).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (user_id, {column}, action, at, ip_address)
            SELECT %(user)s, wanted.id, %(action)s, %(now)s, %(ip)s::inet
            FROM unnest(%(ids)s::bigint[]) AS wanted(id)
            WHERE NOT EXISTS (
                SELECT 1 FROM {table} seen
                WHERE seen.{column} = wanted.id AND seen.at > %(since)s AND seen.user_id = %(user)s
                  AND seen.action = %(action)s AND seen.ip_address IS NOT DISTINCT FROM %(ip)s::inet
            )
            """,  # noqa: S608
            {"user": user_id, "action": action, "now": now, "ip": ip, "ids": ids, "since": since},
        )
