"""Transaction processing rules beyond the basics: conditional references, reference rewriting in every
place a reference can sit, and Bundle invariants. See https://hl7.org/fhir/R4/http.html#trules"""

from __future__ import annotations

from typing import Any

from tests.gateway.api.fhir_api import MRN, FhirApi, assert_outcome

URN_A = "urn:uuid:aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
URN_B = "urn:uuid:bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"


def transaction(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def obs(subject: str, **fields: Any) -> dict[str, Any]:
    return {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                         "subject": {"reference": subject}, **fields},
            "request": {"method": "POST", "url": "Observation"}}


def test_references_in_extensions_are_rewritten(fhir: FhirApi) -> None:
    extension = [{"url": "https://care-gateway.example/fhir/StructureDefinition/test",
                  "valueReference": {"reference": URN_A}}]
    body = fhir.post("", transaction(
        {"fullUrl": URN_A, "resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
        obs(URN_A, extension=extension))).json()
    patient_id = body["entry"][0]["resource"]["id"]
    stored = fhir.get(f"Observation/{body['entry'][1]['resource']['id']}").json()
    assert stored["extension"][0]["valueReference"]["reference"] == f"Patient/{patient_id}"


def test_a_put_entry_fullurl_can_be_referenced(fhir: FhirApi) -> None:
    body = fhir.post("", transaction(
        {"fullUrl": URN_B, "resource": {"resourceType": "Patient", "id": "tx-put-1"},
         "request": {"method": "PUT", "url": "Patient/tx-put-1"}},
        obs(URN_B))).json()
    assert body["entry"][1]["resource"]["subject"]["reference"] == "Patient/tx-put-1"


def test_entries_run_in_spec_order_so_a_delete_and_create_of_the_same_id_work(fhir: FhirApi) -> None:
    made = fhir.patient()
    response = fhir.post("", transaction(
        {"resource": {"resourceType": "Patient", "id": made["id"], "active": True},
         "request": {"method": "PUT", "url": f"Patient/{made['id']}"}},
        {"request": {"method": "DELETE", "url": f"Patient/{made['id']}"}}))
    assert response.status_code == 200
    assert fhir.get(f"Patient/{made['id']}").json()["active"] is True


def test_a_conditional_reference_is_resolved_to_its_one_match(fhir: FhirApi) -> None:
    target = fhir.patient(identifier=[{"system": MRN, "value": "COND-REF-1"}])
    body = fhir.post("", transaction(obs(f"Patient?identifier={MRN}|COND-REF-1"))).json()
    assert body["entry"][0]["resource"]["subject"]["reference"] == f"Patient/{target['id']}"


def test_a_conditional_reference_without_a_match_fails_the_transaction(fhir: FhirApi) -> None:
    response = fhir.post("", transaction(obs(f"Patient?identifier={MRN}|NOBODY")))
    assert 400 <= response.status_code < 500
    assert fhir.search("Observation?code:text=pulse")["total"] == 0


def test_a_transaction_with_a_repeated_full_url_is_400(fhir: FhirApi) -> None:
    entry = {"fullUrl": URN_A, "resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}}
    assert_outcome(fhir.post("", transaction(entry, entry)), 400)
    assert fhir.search("Patient")["total"] == 0


def test_a_transaction_entry_with_an_unknown_type_names_the_entry(fhir: FhirApi) -> None:
    body = fhir.post("", transaction(obs("Patient/x"), {"request": {"method": "GET", "url": "Spaceship/1"}}))
    assert 400 <= body.status_code < 500
    assert "Bundle.entry[1]" in body.text
    assert fhir.search("Observation?code:text=pulse")["total"] == 0


def test_a_conditional_reference_with_two_matches_fails_the_transaction(fhir: FhirApi) -> None:
    for _ in range(2):
        fhir.patient(identifier=[{"system": MRN, "value": "TWICE"}])
    response = fhir.post("", transaction(obs(f"Patient?identifier={MRN}|TWICE")))
    assert "exactly one" in assert_outcome(response, 412)["issue"][0]["diagnostics"]
    assert fhir.search("Observation?code:text=pulse")["total"] == 0


def test_a_repeated_full_url_in_a_batch_is_400_too(fhir: FhirApi) -> None:
    entry = {"fullUrl": URN_A, "resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}}
    body = {"resourceType": "Bundle", "type": "batch", "entry": [entry, entry]}
    assert_outcome(fhir.post("", body), 400)
