"""The one helper of the per-app ``apidocs`` modules, where each view's OpenAPI documentation lives.

A view carries one decorator from its app's ``apidocs``; its methods carry none (Sentry's ``apidocs``).
"""

from collections.abc import Callable

from drf_spectacular.utils import extend_schema, extend_schema_view


def view_docs(*, tags: list[str], **methods) -> Callable[[type], type]:
    """A view's tags and, per method or action name, its ``extend_schema`` (or a list of them, one per method)."""

    def decorate(view: type) -> type:
        return extend_schema(tags=tags)(extend_schema_view(**methods)(view))

    return decorate
