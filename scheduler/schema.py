"""OpenAPI generation: the error answers every operation can give, documented once, here."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error: DRF's ``detail`` plus our machine-readable ``code``; a 400 may instead map fields to messages."""

    detail = serializers.CharField(required=False, help_text="What went wrong, for people")
    code = serializers.CharField(required=False, help_text="What went wrong, for programs")


STANDARD_ERRORS = {
    "400": "Invalid body or query parameter: each field names its problem (`{field: [messages]}`).",
    "401": "No token, or an expired, malformed or revoked one.",
    "404": "No such object, or not visible to you.",
    "429": "Too many attempts from this address or for this account; see `Retry-After`.",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the standard error answers where they apply."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = []
        if self.method in ("POST", "PUT", "PATCH") or self._get_filter_parameters():
            codes.append("400")
        if self.get_auth():
            codes.append("401")
        if "{id}" in self.path:
            codes.append("404")
        if getattr(self.view, "throttle_scope", None):
            codes.append("429")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = STANDARD_ERRORS[code]
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                described = response.get("description", "")
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = described or STANDARD_ERRORS.get(code, "Error")
        return responses
