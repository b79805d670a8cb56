"""Every read, search and write leaves an audit row, served back as AuditEvent (DESIGN.md section 7).
See https://hl7.org/fhir/R4/auditevent.html"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.audit.table import audit_log
from tests.gateway.api.fhir_api import FhirApi, assert_outcome, ids_of


def rows(client: TestClient, **where: Any) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.seq)
    for column, value in where.items():
        query = query.where(audit_log.c[column] == value)
    with client.app.state.repo.db.reader.connect() as conn:  # type: ignore[attr-defined]
        return [dict(r) for r in conn.execute(query).mappings()]


def test_create_update_delete_are_audited(fhir: FhirApi) -> None:
    made = fhir.patient()
    fhir.put(f"Patient/{made['id']}", {**made, "active": True})
    fhir.delete(f"Patient/{made['id']}")
    found = [r["interaction"] for r in rows(fhir.client, resource_type="Patient", resource_id=made["id"])]
    assert found[:3] == ["create", "update", "delete"]


def test_read_and_vread_are_audited_with_the_user(fhir: FhirApi, token_for: Callable[..., str]) -> None:
    made = fhir.patient()
    headers = {"Authorization": f"Bearer {token_for('admin', user='auditor-7')}"}
    fhir.client.get(f"/fhir/Patient/{made['id']}", headers=headers)
    fhir.client.get(f"/fhir/Patient/{made['id']}/_history/1", headers=headers)
    mine = rows(fhir.client, user_id="auditor-7")
    assert [(r["interaction"], r["resource_id"], r["status"]) for r in mine] == [
        ("read", made["id"], 200), ("vread", made["id"], 200)]
    assert mine[0]["patient"] == f"Patient/{made['id']}"


def test_search_is_audited_with_its_query(fhir: FhirApi) -> None:
    fhir.search("Patient?family=Audited&_count=5")
    search = [r for r in rows(fhir.client, interaction="search-type") if r["resource_type"] == "Patient"]
    assert search and "family=Audited" in search[-1]["query"]


def test_history_and_transaction_are_audited(fhir: FhirApi) -> None:
    fhir.search("Patient/_history")
    fhir.post("", {"resourceType": "Bundle", "type": "transaction", "entry": []})
    kinds = {r["interaction"] for r in rows(fhir.client)}
    assert {"history-type", "transaction"} <= kinds


def test_a_refused_request_is_audited_as_anonymous(client: TestClient) -> None:
    client.get("/fhir/Patient/someone")
    refused = rows(client, user_id="anonymous")
    assert refused and refused[-1]["status"] == 401


def test_a_forbidden_request_is_audited(fhir: FhirApi, token_for: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {token_for('admin', user='nosy', scopes=['user/Patient.r'])}"}
    fhir.client.get("/fhir/Observation", headers=headers)
    assert [r["status"] for r in rows(fhir.client, user_id="nosy")] == [403]


def test_audit_events_are_searchable_as_fhir(fhir: FhirApi) -> None:
    made = fhir.patient()
    fhir.get(f"Patient/{made['id']}")
    bundle = fhir.search("AuditEvent?_count=50")
    assert bundle["total"] >= 2
    events = [e["resource"] for e in bundle["entry"]]
    assert all(e["resourceType"] == "AuditEvent" for e in events)
    subtypes = {e["subtype"][0]["code"] for e in events if e.get("subtype")}
    assert {"create", "read"} <= subtypes


def test_an_audit_event_can_be_read_by_id(fhir: FhirApi) -> None:
    fhir.patient()
    first = ids_of(fhir.search("AuditEvent?_count=1"))[0]
    event = fhir.get(f"AuditEvent/{first}")
    assert event.status_code == 200
    assert event.json()["id"] == first


def test_an_unknown_audit_event_is_404(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("AuditEvent/999999999"), 404)
