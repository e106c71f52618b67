"""The OpenAPI document tells the whole truth: every operation is described, and every status code the
authorization matrix observes is documented."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from appointments.models import AppointmentStatus
from scheduler.exceptions import CONFLICT_CODES, Conflict
from scheduler.tests.test_authorization_matrix import MATRIX


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def test_every_operation_has_a_summary_a_description_and_a_tag(schema):
    for method, path, operation in operations(schema):
        assert operation.get("summary"), f"{method} {path} has no summary"
        assert operation.get("description"), f"{method} {path} has no description"
        assert operation.get("tags"), f"{method} {path} has no tag"


def test_every_status_the_matrix_sees_is_documented(schema):
    missing = []
    for method, path, operation in operations(schema):
        _, _, expected = MATRIX[(method, path)]
        documented = set(operation["responses"])
        missing += [f"{method} {path}: {code}" for code in sorted({str(c) for c in expected.values()} - documented)]
    assert not missing, "\n".join(missing)


def test_every_error_answer_has_a_body_schema(schema):
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code >= "400":
                assert "content" in response, f"{method} {path} {code} has no body schema"


def test_409_answers_list_their_codes(schema):
    codes = set(CONFLICT_CODES)
    for method, path, operation in operations(schema):
        conflict = operation["responses"].get("409")
        if conflict:
            assert any(code in conflict["description"] for code in codes), f"{method} {path}: 409 without a code"


def test_tags_come_in_a_sensible_order(schema):
    assert [t["name"] for t in schema["tags"]][:6] == [
        "auth",
        "patients",
        "doctors",
        "slots",
        "appointments",
        "records",
    ]


# ---------------------------------------------------------------------------------------------------
# What client generators need (issue 16). API.md's paragraph on the OpenAPI document is the contract.
# ---------------------------------------------------------------------------------------------------
API_MD = Path(os.environ.get("API_MD", Path(settings.BASE_DIR).parent / "shared" / "API.md"))


@pytest.fixture(scope="module")
def api_md() -> str:
    if not API_MD.exists():
        if os.environ.get("CI"):
            pytest.fail(f"API.md not found at {API_MD}", pytrace=False)
        pytest.skip(f"API.md not found at {API_MD} (set API_MD=path/to/API.md)")
    return API_MD.read_text()


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", text))


def one_of(api_md: str, anchor: str) -> set[str]:
    """The backticked values of the ``... one of `a`, `b`.`` phrase that follows ``anchor``."""
    after = api_md[api_md.index(anchor) :]
    listed = after[after.index("one of") :]
    return backticked(re.split(r"[.:](?:\s|$)", listed, maxsplit=1)[0])


def enum_values(schema, name: str) -> set[str]:
    return set(schema["components"]["schemas"][name]["enum"])


def test_status_enums_equal_api_md_lists(schema, api_md):
    appointments = api_md[api_md.index("## Appointments") : api_md.index("`hold_expires_at` is null")]
    listed = {
        "AppointmentStatusEnum": set(re.findall(r"^\| `([a-z_]+)` \|", appointments, flags=re.MULTILINE)),
        "SlotStatusEnum": one_of(api_md, "Slot: `{id, doctor, start, end, status}`"),
        "AvailabilityStatusEnum": one_of(api_md, "with `availability_status` one of"),
        "RoleEnum": backticked(api_md[api_md.index("## Roles") :].splitlines()[1]),
    }
    assert listed["AppointmentStatusEnum"] >= {"scheduled", "cancelled", "completed", "no_show"}  # parsed
    for name, api_md_values in listed.items():
        assert enum_values(schema, name) == api_md_values, name


def test_the_appointment_status_enum_is_the_codes_statuses(schema):
    assert enum_values(schema, "AppointmentStatusEnum") == set(AppointmentStatus.values)


def test_conflict_codes_are_api_md_list_and_every_conflict_raised_has_one(schema, api_md):
    paragraph = api_md[api_md.index("409 codes:") : api_md.index("No request, however malformed")]
    assert set(CONFLICT_CODES) == set(re.findall(r"`([a-z_]+)` \(", paragraph))
    assert schema["components"]["schemas"]["ConflictCodeEnum"]["enum"] == list(CONFLICT_CODES)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    codes = {sub.__name__: sub.default_code for sub in subclasses(Conflict)}
    assert {"SlotUnavailable", "RecordExists", "KeyInProgress"} <= set(codes)  # the apps' ones are loaded
    assert {name: code for name, code in codes.items() if code not in CONFLICT_CODES} == {}


def test_error_answers_use_the_validation_error_conflict_and_error_components(schema):
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code < "400" or path == "/api/auth/oauth2/token/":  # RFC 6749 has its own error body
                continue
            expected = {"400": "ValidationError", "409": "Conflict"}.get(code, "Error")
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{expected}", f"{method} {path} {code}"
    conflict = schema["components"]["schemas"]["Conflict"]
    assert conflict["properties"]["code"]["allOf"] == [{"$ref": "#/components/schemas/ConflictCodeEnum"}]
    assert conflict["properties"]["conflicts"]["items"] == {"$ref": "#/components/schemas/ConflictingSlot"}
    validation = schema["components"]["schemas"]["ValidationError"]
    assert validation["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_path_ids_are_integers(schema):
    ids = [
        (path, p["schema"])
        for path, item in schema["paths"].items()
        for op in item.values()
        for p in op.get("parameters", [])
        if p["in"] == "path"
    ]
    assert len(ids) >= 17
    assert {path: s for path, s in ids if s != {"type": "integer", "minimum": 1}} == {}


def test_operations_that_need_no_token_declare_empty_security_and_no_401(schema):
    anonymous = {path: operation for method, path, operation in operations(schema) if operation.get("security") == []}
    assert set(anonymous) == {
        "/api/auth/register/",
        "/api/auth/token/",
        "/api/auth/token/refresh/",
        "/api/auth/oauth2/token/",
    }
    assert "401" not in anonymous["/api/auth/register/"]["responses"]
    assert "401" not in anonymous["/api/auth/oauth2/token/"]["responses"]
    assert all(operation.get("security") for *_, operation in operations(schema) if operation not in anonymous.values())


def test_optional_request_fields_carry_no_default(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            defaults = {field for field, prop in component.get("properties", {}).items() if "default" in prop}
            assert not defaults, f"{name}: {defaults} (openapi-typescript would make them required)"


def test_every_enum_is_a_pinned_component_and_filters_reference_it(schema):
    pinned = set(settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]) | {"NullEnum"}
    enums = {name for name, c in schema["components"]["schemas"].items() if "enum" in c}
    assert enums == pinned
    inline = [
        (path, p["name"])
        for path, item in schema["paths"].items()
        for op in item.values()
        for p in op.get("parameters", [])
        if "enum" in p["schema"]
    ]
    assert inline == []
    status = next(p for p in schema["paths"]["/api/slots/"]["get"]["parameters"] if p["name"] == "status")
    assert status["schema"] == {"$ref": "#/components/schemas/SlotStatusEnum"}


def test_operation_ids_read_as_a_person_would_write_them(schema):
    ids = {operation["operationId"] for *_, operation in operations(schema)}
    assert {
        "appointments_cancel",
        "appointments_create",
        "appointments_list",
        "auth_token_obtain",
        "doctors_update",
        "slots_delete",
        "patients_me_retrieve",
        "patients_me_update",
    } <= ids
    assert [i for i in ids if i.startswith("api_") or i.endswith("_create_create")] == []


def test_paginated_lists_document_their_invalid_page_404(schema):
    for method, path, operation in operations(schema):
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if ok.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Paginated"):
            assert "Invalid page." in operation["responses"]["404"]["description"], f"{method} {path}"


def test_every_parameter_response_and_request_body_is_described(schema):
    bare = []
    for method, path, operation in operations(schema):
        bare += [f"{method} {path} ?{p['name']}" for p in operation.get("parameters", []) if not p.get("description")]
        bare += [f"{method} {path} {c}" for c, r in operation["responses"].items() if not r.get("description")]
    assert bare == []
    strict = "An input serializer that refuses fields"
    assert [n for n, c in schema["components"]["schemas"].items() if strict in c.get("description", "")] == []
    assert "OAuth2TokenRequestRequest" not in schema["components"]["schemas"]


def test_the_document_names_its_server_contact_and_license_and_uses_every_tag(schema):
    assert schema["servers"] and schema["info"]["contact"] and schema["info"]["license"]
    used = {tag for *_, operation in operations(schema) for tag in operation["tags"]}
    assert {t["name"] for t in schema["tags"]} == used
