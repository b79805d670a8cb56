"""Batch and transaction Bundles at POST /fhir. See https://hl7.org/fhir/R4/http.html#transaction"""

from __future__ import annotations

from typing import Any

from tests.gateway.api.fhir_api import MRN, FhirApi, assert_outcome

PATIENT_URL = "urn:uuid:5b0c3f2e-5a0e-4a59-9d5c-4f0b2a6c2a11"


def bundle(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def post(resource: dict[str, Any], full_url: str | None = None, if_none_exist: str | None = None) -> dict[str, Any]:
    request = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    entry: dict[str, Any] = {"resource": resource, "request": request}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def pulse(subject: str, status: str = "final") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": status, "code": {"text": "pulse"},
            "subject": {"reference": subject}}


def test_transaction_rewrites_urn_uuid_references_and_creates_all(fhir: FhirApi) -> None:
    tx = bundle("transaction", post({"resourceType": "Patient", "name": [{"family": "Txn"}]}, PATIENT_URL),
                post(pulse(PATIENT_URL)))
    response = fhir.post("", tx)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"][:3] for e in body["entry"]] == ["201", "201"]
    patient_id = body["entry"][0]["resource"]["id"]
    obs_id = body["entry"][1]["resource"]["id"]
    stored = fhir.get(f"Observation/{obs_id}").json()
    assert stored["subject"]["reference"] == f"Patient/{patient_id}"
    assert fhir.search(f"Observation?subject=Patient/{patient_id}")["total"] == 1
    assert body["entry"][0]["response"]["location"].startswith(f"Patient/{patient_id}/_history/1")


def test_transaction_with_one_invalid_entry_creates_nothing(fhir: FhirApi) -> None:
    tx = bundle("transaction", post({"resourceType": "Patient", "name": [{"family": "Atomic"}]}, PATIENT_URL),
                post(pulse(PATIENT_URL, status="not-a-status")))
    body = assert_outcome(fhir.post("", tx), 422)
    assert "Bundle.entry[1]" in str(body)
    assert fhir.search("Patient?family=Atomic")["total"] == 0
    assert fhir.search("Observation?code:text=pulse")["total"] == 0


def test_transaction_with_a_structurally_bad_entry_creates_nothing(fhir: FhirApi) -> None:
    tx = bundle("transaction", post({"resourceType": "Patient", "name": [{"family": "Atomic"}]}),
                {"resource": {"resourceType": "Patient"}, "request": {"method": "POST"}})
    body = assert_outcome(fhir.post("", tx), 400)
    assert "Bundle.entry[1]" in str(body)
    assert fhir.search("Patient?family=Atomic")["total"] == 0


def test_transaction_with_a_stale_if_match_rolls_back(fhir: FhirApi) -> None:
    existing = fhir.patient()
    fhir.put(f"Patient/{existing['id']}", {**existing, "active": True})
    tx = bundle("transaction", post({"resourceType": "Patient", "name": [{"family": "Atomic"}]}),
                {"resource": {**existing, "active": False},
                 "request": {"method": "PUT", "url": f"Patient/{existing['id']}", "ifMatch": 'W/"1"'}})
    assert_outcome(fhir.post("", tx), 412)
    assert fhir.search("Patient?family=Atomic")["total"] == 0
    assert fhir.get(f"Patient/{existing['id']}").json()["active"] is True


def test_batch_does_the_good_entries_and_reports_the_bad_one(fhir: FhirApi) -> None:
    b = bundle("batch", post({"resourceType": "Patient", "name": [{"family": "Batched"}]}),
               post(pulse("Patient/x", status="not-a-status")),
               {"request": {"method": "GET", "url": "Patient/does-not-exist"}})
    response = fhir.post("", b)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "batch-response"
    statuses = [e["response"]["status"][:3] for e in body["entry"]]
    assert statuses == ["201", "422", "404"]
    assert body["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert fhir.search("Patient?family=Batched")["total"] == 1


def test_batch_entry_naming_an_unknown_type_fails_alone(fhir: FhirApi) -> None:
    b = bundle("batch", post({"resourceType": "Patient", "name": [{"family": "Batched"}]}),
               {"request": {"method": "GET", "url": "Spaceship/1"}})
    response = fhir.post("", b)
    assert response.status_code == 200
    assert [e["response"]["status"][:3] for e in response.json()["entry"]] == ["201", "404"]
    assert fhir.search("Patient?family=Batched")["total"] == 1


def test_batch_reads_and_searches(fhir: FhirApi) -> None:
    made = fhir.patient(family="Readable")
    b = bundle("batch", {"request": {"method": "GET", "url": f"Patient/{made['id']}"}},
               {"request": {"method": "GET", "url": "Patient?family=Readable"}})
    entries = fhir.post("", b).json()["entry"]
    assert entries[0]["resource"]["id"] == made["id"]
    assert entries[1]["resource"]["type"] == "searchset"
    assert entries[1]["resource"]["total"] == 1


def test_conditional_create_inside_a_transaction_reuses_the_match(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    person = {"resourceType": "Patient", "identifier": [{"system": MRN, "value": mrn}]}
    condition = f"identifier={MRN}|{mrn}"
    tx = bundle("transaction", post(person, PATIENT_URL, if_none_exist=condition), post(pulse(PATIENT_URL)))
    first = fhir.post("", tx).json()
    second = fhir.post("", tx).json()
    assert first["entry"][0]["response"]["status"].startswith("201")
    assert second["entry"][0]["response"]["status"].startswith("200")
    patient_id = first["entry"][0]["resource"]["id"]
    assert second["entry"][0]["resource"]["id"] == patient_id
    assert fhir.search(f"Patient?identifier={MRN}|{mrn}")["total"] == 1
    assert fhir.search(f"Observation?subject=Patient/{patient_id}")["total"] == 2


def test_transaction_update_and_delete_entries(fhir: FhirApi) -> None:
    keep, drop = fhir.patient(), fhir.patient()
    tx = bundle("transaction",
                {"resource": {**keep, "active": True}, "request": {"method": "PUT", "url": f"Patient/{keep['id']}"}},
                {"request": {"method": "DELETE", "url": f"Patient/{drop['id']}"}})
    response = fhir.post("", tx)
    assert response.status_code == 200
    assert [e["response"]["status"][:3] for e in response.json()["entry"]] == ["200", "204"]
    assert fhir.get(f"Patient/{keep['id']}").json()["active"] is True
    assert fhir.get(f"Patient/{drop['id']}").status_code == 410


def test_post_to_the_base_with_a_non_bundle_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.post("", {"resourceType": "Patient"}), 400)


def test_post_to_the_base_with_a_searchset_bundle_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.post("", bundle("searchset")), 400)


def test_empty_transaction_answers_an_empty_response(fhir: FhirApi) -> None:
    response = fhir.post("", bundle("transaction"))
    assert response.status_code == 200
    assert response.json().get("entry", []) == []
