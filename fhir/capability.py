"""The CapabilityStatement: exactly what /fhir/R4/ supports. The views read their search parameters from
here, so the statement cannot promise a parameter that a search refuses (or the reverse)."""

# name → FHIR search parameter type, per resource (plus _count and _page on every search).
SEARCH_TYPES: dict[str, dict[str, str]] = {
    "Practitioner": {"_id": "token", "name": "string"},
    "Schedule": {"_id": "token", "actor": "reference", "specialty": "token"},
    "Slot": {"schedule": "reference", "status": "token", "start": "date", "specialty": "token"},
    "Appointment": {"patient": "reference", "practitioner": "reference", "status": "token", "date": "date"},
    "Patient": {},
}
SEARCH_PARAMS = {resource: tuple(params) for resource, params in SEARCH_TYPES.items()}

IHE = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/"
OPERATIONS = {"find": IHE + "appointment-find", "hold": IHE + "appointment-hold", "book": IHE + "appointment-book"}


def _resource(resource_type: str) -> dict:
    params = SEARCH_TYPES[resource_type]
    entry: dict = {"type": resource_type, "interaction": [{"code": "read"}]}
    if params:
        entry["interaction"].append({"code": "search-type"})
        entry["searchParam"] = [{"name": name, "type": kind} for name, kind in params.items()]
        entry["searchParam"] += [{"name": "_count", "type": "number"}, {"name": "_page", "type": "number"}]
    if resource_type == "Appointment":
        entry["operation"] = [{"name": name, "definition": url} for name, url in OPERATIONS.items()]
    return entry


def statement(base: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "publisher": "Clinic Scheduler",
        "kind": "instance",
        "software": {"name": "Clinic Scheduler"},
        "implementation": {"description": "Clinic Scheduler FHIR R4 API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Unknown search parameters are refused with 400 unless the request sends 'Prefer: "
                    "handling=lenient'. _count defaults to 20 and is capped at 100; _page pages. Date "
                    "parameters take an instant with a UTC offset and the prefixes eq, ge, gt, le, lt."
                ),
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": "The REST API's Bearer tokens (POST /api/auth/token/); the same visibility.",
                },
                "resource": [_resource(name) for name in SEARCH_TYPES],
            }
        ],
    }
