"""`Prefer: return=minimal | representation | OperationOutcome` on writes.
See https://hl7.org/fhir/R4/http.html#ops"""

from __future__ import annotations

from tests.gateway.api.fhir_api import FhirApi

PATIENT = {"resourceType": "Patient", "name": [{"family": "Prefer"}]}


def test_return_minimal_sends_no_body_but_keeps_headers(fhir: FhirApi) -> None:
    response = fhir.post("Patient", PATIENT, headers={"Prefer": "return=minimal"})
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["etag"] == 'W/"1"'
    assert "/_history/1" in response.headers["location"]


def test_return_representation_sends_the_stored_resource(fhir: FhirApi) -> None:
    response = fhir.post("Patient", PATIENT, headers={"Prefer": "return=representation"})
    assert response.status_code == 201
    body = response.json()
    assert body["resourceType"] == "Patient" and body["meta"]["versionId"] == "1"


def test_return_operation_outcome_sends_an_outcome(fhir: FhirApi) -> None:
    response = fhir.post("Patient", PATIENT, headers={"Prefer": "return=OperationOutcome"})
    assert response.status_code == 201
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "information"


def test_no_prefer_header_means_representation(fhir: FhirApi) -> None:
    assert fhir.post("Patient", PATIENT).json()["resourceType"] == "Patient"


def test_return_minimal_on_update(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = fhir.put(f"Patient/{created['id']}", {**created, "active": True}, headers={"Prefer": "return=minimal"})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"] == 'W/"2"'


def test_prefer_with_other_preferences_is_understood(fhir: FhirApi) -> None:
    response = fhir.post("Patient", PATIENT, headers={"Prefer": "handling=strict, return=minimal"})
    assert response.status_code == 201
    assert response.content == b""
