"""`QuestionnaireResponse/$extract` returns the Bundle without storing it; the Omaha operations
honour SMART scopes (403 naming the missing scope) and audit like any interaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.adapters.omaha.forms import problem, response, three_problems
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.operations.omaha_api import problems

FhirJson = dict[str, Any]


def _form(patient_id: str) -> FhirJson:
    return three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)) | {
        "subject": {"reference": f"Patient/{patient_id}"}}


def test_extract_returns_the_transaction_without_storing_it(fhir: FhirApi, person: FhirJson) -> None:
    answer = fhir.post("QuestionnaireResponse/$extract", _form(person["id"]))
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["type"] == "transaction"
    assert {e["request"]["method"] for e in bundle["entry"]} == {"PUT"}
    assert sorted(e["resource"]["resourceType"] for e in bundle["entry"]).count("Condition") == 3
    assert problems(fhir, person["id"]) == []

    # Posting that Bundle to the base writes the same resources.
    written = fhir.post("", bundle)
    assert written.status_code == 200, written.text
    assert len(problems(fhir, person["id"])) == 3


def test_extract_of_a_stored_response(fhir: FhirApi, person: FhirJson) -> None:
    stored = fhir.create(_form(person["id"]))
    answer = fhir.post(f"QuestionnaireResponse/{stored['id']}/$extract", {"resourceType": "Parameters"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["entry"][0]["resource"]["id"] == stored["id"]


def test_extract_names_the_item_that_breaks_a_rule(fhir: FhirApi, person: FhirJson) -> None:
    form = response("2026-01-05", problem("24", severity="potential", signs=("24.01",))) | {
        "subject": {"reference": f"Patient/{person['id']}"}}
    answer = fhir.post("QuestionnaireResponse/$extract",
                       {"resourceType": "Parameters", "parameter": [{"name": "questionnaire-response",
                                                                     "resource": form}]})
    assert answer.status_code == 422, answer.text
    assert "linkId='problem.signs-symptoms'" in answer.json()["issue"][0]["expression"][0]


def test_extract_needs_a_subject(fhir: FhirApi) -> None:
    answer = fhir.post("QuestionnaireResponse/$extract", three_problems("2026-01-05", (2, 2, 2), (3, 3, 3),
                                                                         (3, 2, 2)))
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["QuestionnaireResponse.subject"]


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}


def test_a_read_only_token_may_look_but_not_submit(client: TestClient, fhir: FhirApi, person: FhirJson,
                                                   token_for: Callable[..., str]) -> None:
    reader = _as(token_for("nurse", scopes=["user/*.rs"]))
    base = f"/fhir/Patient/{person['id']}"
    denied = client.post(f"{base}/$omaha-assessment", json=_form(person["id"]), headers=reader)
    assert denied.status_code == 403, denied.text
    assert denied.json()["resourceType"] == "OperationOutcome"
    assert "QuestionnaireResponse" in denied.json()["issue"][0]["diagnostics"]
    assert problems(fhir, person["id"]) == []
    assert client.get(f"{base}/$omaha-trend", headers=reader).status_code == 200
    assert client.get(f"{base}/$omaha-suggestions", headers=reader).status_code == 200
    decision = {"resourceType": "Parameters", "parameter": [
        {"name": "action", "valueCode": "dismiss"}, {"name": "problem", "valueCode": "24"},
        {"name": "source", "valueReference": {"reference": "Condition/x"}}]}
    assert client.post(f"{base}/$omaha-suggestions", json=decision, headers=reader).status_code == 403


def test_a_token_without_observation_access_cannot_read_the_trend(client: TestClient, person: FhirJson,
                                                                   token_for: Callable[..., str]) -> None:
    narrow = _as(token_for("nurse", scopes=["user/Patient.rs", "user/Condition.rs"]))
    answer = client.get(f"/fhir/Patient/{person['id']}/$omaha-trend", headers=narrow)
    assert answer.status_code == 403
    assert "Observation" in answer.json()["issue"][0]["diagnostics"]


def test_the_nurse_role_can_submit_an_assessment(client: TestClient, person: FhirJson,
                                                 token_for: Callable[..., str]) -> None:
    answer = client.post(f"/fhir/Patient/{person['id']}/$omaha-assessment", json=_form(person["id"]),
                         headers=_as(token_for("nurse", user="nurse-1")))
    assert answer.status_code == 200, answer.text
    (ret,) = [p for p in answer.json()["parameter"] if p["name"] == "return"]
    qr = ret["resource"]["entry"][0]["resource"]
    assert qr["author"] == {"display": "nurse-1"}


def test_submissions_are_audited(fhir: FhirApi, person: FhirJson) -> None:
    # One event for the operation, and one per resource written, in the write's own transaction.
    fhir.post(f"Patient/{person['id']}/$omaha-assessment", _form(person["id"]))
    events = [e["resource"] for e in fhir.search("AuditEvent?_count=100").get("entry", [])]
    kinds = [(e["subtype"][0]["code"], e["entity"][0]["what"]["reference"].split("/")[0]) for e in events]
    assert ("operation", "Patient") in kinds
    assert sorted(t for code, t in kinds if code == "update" and t != "Patient") == [
        "CarePlan", "Condition", "Condition", "Condition", "Observation", "Observation", "Observation",
        "QuestionnaireResponse"]
