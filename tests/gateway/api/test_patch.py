"""JSON Patch (application/json-patch+json). See https://hl7.org/fhir/R4/http.html#patch"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from tests.gateway.api.fhir_api import FhirApi, assert_outcome

PATCH_JSON = "application/json-patch+json"


def patch(fhir: FhirApi, path: str, ops: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return fhir.client.patch(f"/fhir/{path}", content=orjson.dumps(ops),
                             headers={**fhir.headers, "Content-Type": PATCH_JSON, **(headers or {})})


def test_patch_applies_and_makes_a_new_version(fhir: FhirApi) -> None:
    created = fhir.patient(gender="female")
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "replace", "path": "/gender", "value": "male"},
                                                          {"op": "add", "path": "/active", "value": True}])
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"2"'
    body = fhir.get(f"Patient/{created['id']}").json()
    assert body["gender"] == "male" and body["active"] is True
    assert body["meta"]["versionId"] == "2"


def test_patch_with_matching_if_match_applies(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "add", "path": "/active", "value": True}],
                     headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200


def test_patch_with_stale_if_match_is_412(fhir: FhirApi) -> None:
    created = fhir.patient()
    patch(fhir, f"Patient/{created['id']}", [{"op": "add", "path": "/active", "value": True}])
    stale = patch(fhir, f"Patient/{created['id']}", [{"op": "add", "path": "/active", "value": False}],
                  headers={"If-Match": 'W/"1"'})
    assert_outcome(stale, 412)


def test_patch_to_a_missing_path_is_a_4xx_outcome(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "replace", "path": "/nothing/here", "value": 1}])
    assert 400 <= response.status_code < 500
    assert_outcome(response, response.status_code)


def test_patch_with_an_unknown_op_is_a_4xx_outcome(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "bogus", "path": "/gender"}])
    assert 400 <= response.status_code < 500
    assert_outcome(response, response.status_code)


def test_patch_body_that_is_not_an_array_is_400(fhir: FhirApi) -> None:
    created = fhir.patient()
    assert_outcome(patch(fhir, f"Patient/{created['id']}", {"op": "add"}), 400)


def test_patch_that_makes_the_resource_invalid_is_422(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "add", "path": "/birthDate", "value": "yesterday"}])
    body = assert_outcome(response, 422)
    assert any("Patient.birthDate" in e for i in body["issue"] for e in i.get("expression", []))
    assert fhir.get(f"Patient/{created['id']}").headers["etag"] == 'W/"1"'


def test_patch_to_a_code_outside_a_required_binding_is_422(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "add", "path": "/gender", "value": "bogus"}])
    assert_outcome(response, 422)


def test_patch_may_not_change_the_id(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "replace", "path": "/id", "value": "other"}])
    assert 400 <= response.status_code < 500
    assert fhir.get("Patient/other").status_code == 404


def test_patch_of_an_unknown_resource_is_404(fhir: FhirApi) -> None:
    assert_outcome(patch(fhir, "Patient/nobody", [{"op": "add", "path": "/active", "value": True}]), 404)


def test_patch_of_a_deleted_resource_is_410(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.delete(f"Patient/{created['id']}")
    assert_outcome(patch(fhir, f"Patient/{created['id']}", [{"op": "add", "path": "/active", "value": True}]), 410)


def test_patch_error_does_not_echo_the_whole_resource(fhir: FhirApi) -> None:
    """Diagnostics are for the client; the stored resource (possibly another person's data) has no place there."""
    created = fhir.patient(family="Confidential-Surname")
    response = patch(fhir, f"Patient/{created['id']}", [{"op": "replace", "path": "/nothing/here", "value": 1}])
    assert "Confidential-Surname" not in response.text
