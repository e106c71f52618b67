"""Database constraints that only PostgreSQL can enforce, declared so that SQLite runs still work."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models


class TsTzRange(models.Func):
    """``tstzrange(start, end, bounds)``: the period an exclusion constraint compares for overlaps."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL; nothing on other databases.

    SQLite (the zero-set-up development database) has no exclusion constraints. There the model also
    declares a weaker unique constraint, and the PostgreSQL-only tests prove the real guarantee.
    """

    @staticmethod
    def _is_postgres(schema_editor_or_alias) -> bool:
        connection = getattr(schema_editor_or_alias, "connection", None) or connections[schema_editor_or_alias]
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._is_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._is_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._is_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if self._is_postgres(using):
            super().validate(model, instance, exclude=exclude, using=using)


def violated_constraint(exc: IntegrityError) -> str:
    """The name of the constraint an ``IntegrityError`` violated; the error's text where none is named.

    PostgreSQL names it in the error's diagnostics, which is sturdier than searching the message (whose
    detail quotes the row's values). SQLite names no constraint, only columns ("UNIQUE constraint
    failed: ..."), so there the message is all there is.
    """
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or str(exc)
