"""First contact: probes, metadata without auth, CRUD with auth."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_probes_and_metadata_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json()["status"] == "ready"
    cs = client.get("/fhir/metadata")
    assert cs.status_code == 200
    assert cs.json()["resourceType"] == "CapabilityStatement"


def test_create_read(client: TestClient, auth: dict[str, str]) -> None:
    body = {"resourceType": "Patient", "name": [{"family": "Ashby"}]}
    created = client.post("/fhir/Patient", json=body, headers=auth)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    read = client.get(f"/fhir/Patient/{pid}", headers=auth)
    assert read.status_code == 200
    assert read.headers["etag"] == 'W/"1"'
    found = client.get("/fhir/Patient?family=ash", headers=auth).json()
    assert found["total"] == 1
