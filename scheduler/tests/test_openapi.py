"""The OpenAPI document tells the whole truth: every operation is described, and every status code the
authorization matrix observes is documented."""

import pytest
from drf_spectacular.generators import SchemaGenerator

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
    codes = {"slot_unavailable", "slot_overlap", "patient_conflict", "invalid_transition", "record_exists"}
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
