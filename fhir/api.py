"""The FHIR web layer's kernel: media type, OperationOutcome errors, the view base."""

import json

from django.http import HttpResponse
from rest_framework import renderers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fhir.resources import ERROR_CODE_SYSTEM
from scheduler import metrics
from scheduler.api import exception_handler as rest_exception_handler
from scheduler.parsers import JSONParser

FHIR_JSON = "application/fhir+json"


class FHIRRenderer(renderers.JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FHIRParser(JSONParser):
    media_type = FHIR_JSON


# OperationOutcome.issue.code (value set issue-type) for each status the API answers.
ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
    503: "transient",
}


class FHIRError(Exception):
    """An error that is already an OperationOutcome issue (``$hold`` of a slot that is gone: fatal/not-found)."""

    def __init__(self, status_code: int, diagnostics: str, *, severity="error", issue_type=None, code=None, where=None):
        super().__init__(diagnostics)
        self.status_code, self.code = status_code, code
        self.issue = issue(status_code, diagnostics, severity=severity, issue_type=issue_type, code=code, where=where)


def issue(status_code, diagnostics, *, severity="error", issue_type=None, code=None, where=None) -> dict:
    entry = {"severity": severity, "code": issue_type or ISSUE_TYPE.get(status_code, "processing")}
    if code:
        entry["details"] = {"coding": [{"system": ERROR_CODE_SYSTEM, "code": code}]}
    entry["diagnostics"] = str(diagnostics)
    if where:
        entry["expression"] = [where]
    return entry


def outcome(*issues: dict) -> dict:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def invalid(where: str, message: str) -> FHIRError:
    """A 400 naming the search parameter or operation parameter at fault."""
    return FHIRError(400, f"{where}: {message}", where=where)


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    if isinstance(value, dict):
        return [f"{key}: {m}" for key, item in value.items() for m in _messages(item)]
    return [str(value)]


def _issues_from_rest(status_code: int, body) -> list[dict]:
    """The REST answer's body (``{detail, code, ...}`` or ``{field: [messages]}``) as issues."""
    if isinstance(body, dict) and "detail" in body:
        extra = {key: value for key, value in body.items() if key not in ("detail", "code")}
        first = issue(status_code, body["detail"], code=body.get("code"))
        return [first] + [issue(status_code, m, where=key) for key, value in extra.items() for m in _messages(value)]
    if isinstance(body, dict):
        return [issue(status_code, m, where=key) for key, value in body.items() for m in _messages(value)]
    return [issue(status_code, m) for m in _messages(body)] or [issue(status_code, "The request failed.")]


def exception_handler(exc, context):
    """The REST handler's status, headers and messages, as an OperationOutcome."""
    if isinstance(exc, FHIRError):
        if exc.status_code == 409 and exc.code:  # a domain conflict answered here, not by the REST handler
            metrics.conflict(exc.code)
        return Response(outcome(exc.issue), status=exc.status_code)
    response = rest_exception_handler(exc, context)
    if response is not None:
        response.data = outcome(*_issues_from_rest(response.status_code, response.data))
    return response


class FHIRView(APIView):
    """A FHIR endpoint: fhir+json in and out (plain JSON accepted too), errors as OperationOutcome, the REST
    API's Bearer tokens. Left out of the OpenAPI document: the CapabilityStatement describes it."""

    renderer_classes = [FHIRRenderer, renderers.JSONRenderer]
    parser_classes = [FHIRParser, JSONParser]
    permission_classes = [IsAuthenticated]
    schema = None

    def get_exception_handler(self):
        return exception_handler


def not_found(request, path=""):
    """Any other path under /fhir/: a 404 OperationOutcome (not Django's page, not the REST API's body)."""
    body = outcome(issue(404, "No such FHIR endpoint or resource.", code="not_found"))
    return HttpResponse(json.dumps(body), status=status.HTTP_404_NOT_FOUND, content_type=FHIR_JSON)
