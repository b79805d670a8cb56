"""fhirpy's SyncFHIRClient against a running gateway: the calls an application makes, end to end."""

from __future__ import annotations

import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import MultipleResourcesFound, OperationOutcome

MRN = "https://care-gateway.example/fhir/id/test-mrn"


@pytest.fixture
def fhir(fhir_base: str, token: str) -> SyncFHIRClient:
    return SyncFHIRClient(fhir_base, authorization=f"Bearer {token}")


def test_create_then_read(fhir: SyncFHIRClient) -> None:
    patient = fhir.resource("Patient", name=[{"family": "Pyclient"}], gender="female")
    patient.save()
    assert patient.id and patient["meta"]["versionId"] == "1"
    again = fhir.reference("Patient", patient.id).to_resource()
    assert again["name"][0]["family"] == "Pyclient"


def test_update_with_if_match(fhir: SyncFHIRClient, fhir_base: str, token: str) -> None:
    patient = fhir.resource("Patient", name=[{"family": "Versioned"}])
    patient.save()
    patient["active"] = True
    matching = SyncFHIRClient(fhir_base, authorization=f"Bearer {token}", extra_headers={"If-Match": 'W/"1"'})
    updated = matching.resource("Patient", **patient.serialize())
    updated.save()
    assert updated["meta"]["versionId"] == "2"
    stale = matching.resource("Patient", **{**patient.serialize(), "active": False})
    with pytest.raises((OperationOutcome, MultipleResourcesFound)) as refused:  # fhirpy maps 412 to the latter
        stale.save()
    assert "If-Match" in str(refused.value)
    assert fhir.reference("Patient", patient.id).to_resource()["active"] is True


def test_conditional_create_with_if_none_exist(fhir: SyncFHIRClient, fhir_base: str, token: str) -> None:
    body = {"resourceType": "Patient", "identifier": [{"system": MRN, "value": "PY-1"}]}
    headers = {"Authorization": f"Bearer {token}", "If-None-Exist": f"identifier={MRN}|PY-1"}
    first = httpx.post(f"{fhir_base}/Patient", json=body, headers=headers)
    second = httpx.post(f"{fhir_base}/Patient", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert len(fhir.resources("Patient").search(identifier=f"{MRN}|PY-1").fetch_all()) == 1


def test_get_or_create_makes_one_resource(fhir: SyncFHIRClient) -> None:
    """fhirpy's get_or_create POSTs with the search as query parameters (not If-None-Exist)."""
    body = fhir.resource("Patient", identifier=[{"system": MRN, "value": "PY-2"}])
    search = fhir.resources("Patient").search(identifier=f"{MRN}|PY-2")
    search.get_or_create(body)
    search.get_or_create(body)
    assert len(search.fetch_all()) == 1


def test_search_pages_through_every_match(fhir: SyncFHIRClient) -> None:
    for i in range(7):
        fhir.resource("Patient", name=[{"family": "Paged", "given": [f"N{i}"]}]).save()
    found = fhir.resources("Patient").search(family="Paged").limit(3).fetch_all()
    assert len(found) == 7
    assert len({p.id for p in found}) == 7


def test_search_with_include(fhir: SyncFHIRClient) -> None:
    patient = fhir.resource("Patient", name=[{"family": "Included"}])
    patient.save()
    fhir.resource("Observation", status="final", code={"text": "pulse"}, subject=patient.to_reference()).save()
    search = fhir.resources("Observation").search(subject=f"Patient/{patient.id}")
    bundle = search.include("Observation", "subject").fetch_raw()
    modes = sorted(e["search"]["mode"] for e in bundle["entry"])
    assert modes == ["include", "match"]


def test_history(fhir: SyncFHIRClient) -> None:
    patient = fhir.resource("Patient", name=[{"family": "Historic"}])
    patient.save()
    patient["active"] = True
    patient.save()
    history = fhir.execute(f"Patient/{patient.id}/_history", method="get")
    assert history["type"] == "history"
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]


def test_transaction_bundle(fhir: SyncFHIRClient) -> None:
    patient_url = "urn:uuid:0f8c6a52-1d7e-4e39-9a53-2b6f0f2a0c01"
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": patient_url, "resource": {"resourceType": "Patient", "name": [{"family": "Txpy"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                      "subject": {"reference": patient_url}},
         "request": {"method": "POST", "url": "Observation"}},
    ]}
    response = fhir.execute("", method="post", data=bundle)
    assert response["type"] == "transaction-response"
    patient_id = response["entry"][0]["resource"]["id"]
    assert fhir.resources("Observation").search(subject=f"Patient/{patient_id}").count() == 1


def test_delete_then_read_is_gone(fhir: SyncFHIRClient) -> None:
    patient = fhir.resource("Patient", name=[{"family": "Deleted"}])
    patient.save()
    patient.delete()
    with pytest.raises(Exception) as gone:
        fhir.reference("Patient", patient.id).to_resource()
    assert "410" in repr(gone.value) or "deleted" in str(gone.value).lower()
