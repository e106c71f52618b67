"""OpenAPI generation: what client generators need from the document, done once, here.

The error answers every operation can give (``ValidationError`` for 400, ``Conflict`` for 409, ``Error``
otherwise), integer path ids, ``security: []`` where no token is needed, operation ids a person would
write, filter parameters that name the component enums, and request fields without a ``default`` (a
generator reads a default as "always present" and makes an optional field required).
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import anchor_pattern, deep_import_string, get_lib_doc_excludes, get_view_model
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from doctors.models import SlotStatus
from scheduler.api import AwareDateTimeField, GenericViewSet, StrictSerializer
from scheduler.exceptions import CONFLICT_CODES
from scheduler.filters import AwareDateTimeFilter, IdFilter


class ErrorSerializer(serializers.Serializer):
    """An error: DRF's `detail` for people and a machine-readable `code`."""

    detail = serializers.CharField(help_text="What went wrong, for people")
    code = serializers.CharField(help_text="What went wrong, for programs")


class ConflictingSlotSerializer(serializers.Serializer):
    """An existing slot that a new period overlaps."""

    id = serializers.IntegerField()
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    status = serializers.ChoiceField(choices=SlotStatus.choices)


class ConflictSerializer(serializers.Serializer):
    """A 409: the request conflicts with the current state; `code` says how (API.md's list of codes)."""

    detail = serializers.CharField(help_text="What went wrong, for people")
    code = serializers.ChoiceField(choices=CONFLICT_CODES, help_text="What went wrong, for programs")
    conflicts = ConflictingSlotSerializer(
        many=True, required=False, help_text="`slot_overlap` only: the existing slots the period overlaps"
    )


class ValidationErrorSerializer(serializers.Serializer):
    """A 400: each invalid field maps to its messages (`{field: [messages]}`)."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    """``{field: [messages]}`` is a map, which a DRF serializer cannot declare: the schema is written here."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": (
                "Each invalid body field or query parameter maps to its messages; problems of the request as "
                "a whole are under `non_field_errors`, or in `detail` with a `code`."
            ),
            "properties": {
                "non_field_errors": {**messages, "description": "Problems not tied to one field"},
                "detail": {"type": "string", "description": "What went wrong, when no field is to blame"},
                "code": {"type": "string", "description": "What went wrong, for programs, with `detail`"},
            },
            "additionalProperties": messages,
            "example": {
                "slot": ["This slot starts in the past."],
                "reason": ["Ensure this field has no more than 2000 characters."],
            },
        }


def lib_doc_excludes() -> list:
    """drf-spectacular's list, plus our base classes: their docstrings describe them, not each subclass."""
    return [*get_lib_doc_excludes(), StrictSerializer]


def enum_component_names() -> dict[frozenset, str]:
    """The pinned enum components (``ENUM_NAME_OVERRIDES``) by their set of values."""
    names = {}
    for name, choices in spectacular_settings.ENUM_NAME_OVERRIDES.items():
        choices = deep_import_string(choices) if isinstance(choices, str) else choices
        choices = getattr(choices, "choices", choices)
        names[frozenset(c[0] if isinstance(c, list | tuple) else c for c in choices)] = name
    return names


def filter_description(name: str, filter_) -> str:
    """What a filter without its own ``help_text`` does, from its kind."""
    if isinstance(filter_, AwareDateTimeFilter):
        bound = "at or after" if filter_.lookup_expr == "gte" else "before"
        return f"Only those whose `{filter_.field_name}` is {bound} this datetime (with a UTC offset)."
    if isinstance(filter_, IdFilter) or hasattr(filter_, "queryset"):
        return f"Only those of this {name.replace('_', ' ')} (its id)."
    return f"Only those with this `{name}`."


ERROR_DESCRIPTIONS = {
    "400": "Invalid body or query parameter: each field names its problem (`{field: [messages]}`).",
    "401": "No token, or an expired, malformed or revoked one.",
    "404": "No such object, or not visible to you.",
    "429": "Too many attempts from this address or for this account; see `Retry-After`.",
}
INVALID_PAGE = "`page` is not a positive number or lies past the last page (`Invalid page.`)."
SUCCESS_DESCRIPTIONS = {"200": "Success.", "201": "Created.", "204": "Done; no body."}
ERROR_BODIES = {"400": ValidationErrorSerializer, "409": ConflictSerializer}

# Operation ids: the path's words and a verb, e.g. ``appointments_list``, ``doctors_update``.
VERBS = {
    "list": "list",
    "create": "create",
    "retrieve": "retrieve",
    "update": "replace",
    "partial_update": "update",
    "destroy": "delete",
}
METHOD_VERBS = {"get": "retrieve", "post": "create", "put": "replace", "patch": "update", "delete": "delete"}
ID_PATTERN = anchor_pattern(GenericViewSet.lookup_value_regex)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, shaped for client generators (see the module's docstring)."""

    def _needs_token(self) -> bool:
        return bool(self.view.get_authenticators())

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and not self._needs_token():
            # Not `[{}]` (token optional): generators then demand an authenticated client.
            operation["security"] = []
        return operation

    def get_operation_id(self) -> str:
        words = [word.replace("-", "_") for word in self._tokenize_path()]
        words = words[1:] if words[:1] == ["api"] else words
        action = getattr(self.view, "action", None)
        if action in VERBS:
            return "_".join([*words, VERBS[action]])
        # A custom action or an APIView: the path names it, and a verb tells its methods apart.
        handler = getattr(self.view, action) if action else self.view
        methods = handler.mapping if action else [m for m in self.view.http_method_names if hasattr(self.view, m)]
        methods = [m for m in methods if m not in ("head", "options")]
        return "_".join([*words, METHOD_VERBS[self.method.lower()]] if len(methods) > 1 else words)

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            if parameter["schema"].get("pattern") == ID_PATTERN:
                # The router's regex keeps ids digits-only; clients should see the integer they are.
                parameter["schema"] = {"type": "integer", "minimum": 1}
                name = model._meta.verbose_name if model is not None else "object"
                parameter.setdefault("description", f"The {name}'s id.")
        return parameters

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        enums = enum_component_names()
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for parameter in parameters:
            if not parameter.get("description") and parameter["name"] in filters:
                parameter["description"] = filter_description(parameter["name"], filters[parameter["name"]])
            values = parameter["schema"].get("enum")
            if values and frozenset(values) in enums:
                # The component enum, not a copy: generators then make one type, not one per filter.
                parameter["schema"] = {"$ref": f"#/components/schemas/{enums[frozenset(values)]}"}
        return parameters

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "request":
            meta.pop("default", None)  # an optional field stays optional in generated request types
        return meta

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        added = {}
        if self.method in ("POST", "PUT", "PATCH") or self._get_filter_parameters():
            added["400"] = ERROR_DESCRIPTIONS["400"]
        if self._needs_token():
            added["401"] = ERROR_DESCRIPTIONS["401"]
        if "{id}" in self.path:
            added["404"] = ERROR_DESCRIPTIONS["404"]
        if self.method == "GET" and self._is_list_view() and self._get_paginator():
            added["404"] = f"{added['404']} Or: {INVALID_PAGE}" if "404" in added else INVALID_PAGE
        if getattr(self.view, "throttle_scope", None):
            added["429"] = ERROR_DESCRIPTIONS["429"]
        for code, description in added.items():
            if code not in responses:
                responses[code] = {"description": description}
            elif code == "404" and INVALID_PAGE in description and INVALID_PAGE not in responses[code]["description"]:
                responses[code]["description"] += f" Or: {INVALID_PAGE}"
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                described = response.get("description", "")
                body = ERROR_BODIES.get(code, ErrorSerializer)
                responses[code] = self._get_response_for_code(body, code)
                responses[code]["description"] = described or ERROR_DESCRIPTIONS.get(code, "Error.")
            elif not response.get("description"):
                response["description"] = SUCCESS_DESCRIPTIONS.get(code, "Success.")
        return responses
