"""Any unknown path under /api/ answers DRF's JSON 404: JSON clients cannot read an HTML page (under /fhir/,
an OperationOutcome: fhir/tests). Elsewhere (the admin, the docs) Django's HTML 404 stays."""

import pytest


@pytest.mark.parametrize(
    "path",
    ["/api/appointments/abc/", "/api/nope/", "/api/", "/api/slots/1/nope/", "/api/doctors/12345678901234567890/"],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_answer_a_json_404(client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_missing_trailing_slash_is_still_redirected_to_the_real_path(client):
    response = client.get("/api/slots")
    assert response.status_code == 301 and response["Location"] == "/api/slots/"


def test_paths_outside_the_api_keep_djangos_html_404(client):
    for path in ("/nope/", "/apix/", "/docs/nope/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response["Content-Type"], path
