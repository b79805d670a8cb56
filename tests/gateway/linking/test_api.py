"""`/api/links` end to end: list, confirm, unlink, reject, reopen, link; who may; what is audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gateway.app import create_app
from gateway.auth.tokens import mint_token
from gateway.linking.golden import golden_id_for_nhs
from gateway.settings import Settings
from gateway.storage.engine import normalise_url
from tests.gateway.linking.helpers import NHS, patient


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan running (audit writer started and flushed)."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def headers(settings: Settings, role: str = "admin", scopes: list[str] | None = None) -> dict[str, str]:
    token = mint_token(settings, f"{role}-user", role, scopes=scopes)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}


def test_decisions_over_the_api(client: TestClient, settings: Settings) -> None:
    admin = headers(settings)
    # Setup: a GP record with an NHS number, a council record without one (surname typo)
    for body in (patient("gp-1", nhs=NHS), patient("la-1", family="Hollway", source="liquidlogic")):
        assert client.put(f"/fhir/Patient/{body['id']}", json=body, headers=admin).status_code == 201
    golden = golden_id_for_nhs(NHS)
    listed = client.get("/api/links/candidates?status=open", headers=admin).json()
    assert listed["total"] == 1
    candidate = listed["candidates"][0]
    assert {p["id"] for p in candidate["patients"]} == {"gp-1", "la-1"}
    assert "surname differs by one letter (Holloway/Hollway)" in candidate["reasons"]
    cid = candidate["id"]
    # A nurse may read candidates but not decide them
    nurse = headers(settings, "nurse")
    assert client.get("/api/links/candidates", headers=nurse).status_code == 200
    assert client.post(f"/api/links/candidates/{cid}/confirm", headers=nurse).status_code == 403
    # Confirm, then the golden Patient lists both records
    done = client.post(f"/api/links/candidates/{cid}/confirm", headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["person"]["golden"] == f"Patient/{golden}"
    links = client.get(f"/fhir/Patient/{golden}", headers=admin).json()["link"]
    assert [link["other"]["reference"] for link in links] == ["Patient/gp-1", "Patient/la-1"]
    assert client.get("/api/links/patients/la-1", headers=admin).json()["patients"] == [golden, "gp-1", "la-1"]
    # Unlink: back to an open candidate
    undone = client.post("/api/links/unlink", json={"golden": golden, "patient": "Patient/la-1"}, headers=admin)
    assert undone.status_code == 200 and undone.json()["golden"] is None
    assert client.get(f"/api/links/candidates/{cid}", headers=admin).json()["status"] == "open"
    # Reject and reopen; a manual link; errors are OperationOutcomes
    assert client.post(f"/api/links/candidates/{cid}/reject", headers=admin).json()["candidate"]["status"] == "rejected"
    assert client.post(f"/api/links/candidates/{cid}/reject", headers=admin).status_code == 409
    assert client.post(f"/api/links/candidates/{cid}/reopen", headers=admin).json()["candidate"]["status"] == "open"
    linked = client.post("/api/links/link", json={"patients": ["la-1", "gp-1"]}, headers=admin)
    assert linked.json()["patients"] == [golden, "gp-1", "la-1"]
    assert client.post("/api/links/candidates/999/confirm", headers=admin).json()["resourceType"] == "OperationOutcome"
    assert client.post("/api/links/link", json={"patients": ["la-1"]}, headers=admin).status_code == 400
    # Every decision is in the audit trail, as the user who made it
    engine = create_engine(normalise_url(settings.database_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, query FROM audit_log WHERE query LIKE 'person-link %' "
                                 "AND status = 200 ORDER BY seq")).all()
    engine.dispose()
    decisions = [(r.user_id, r.query.split(":")[0]) for r in rows if ":" in r.query]
    assert decisions == [("admin-user", f"person-link {a}") for a in ("confirm", "unlink", "reject", "reopen", "link")]


def test_a_scope_granting_patient_update_may_decide(client: TestClient, settings: Settings) -> None:
    admin = headers(settings)
    for body in (patient("gp-1"), patient("la-1", source="liquidlogic")):
        client.put(f"/fhir/Patient/{body['id']}", json=body, headers=admin)
    cid = client.get("/api/links/candidates", headers=admin).json()["candidates"][0]["id"]
    integrator = headers(settings, "nurse", scopes=["user/Patient.rus"])
    assert client.post(f"/api/links/candidates/{cid}/reject", headers=integrator).status_code == 200
    assert client.get("/api/links/candidates?status=bogus", headers=integrator).status_code == 400
