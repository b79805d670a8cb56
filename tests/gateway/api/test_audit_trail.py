"""Every read, search and write leaves an audit row, served back as AuditEvent (DESIGN.md section 7).
See https://hl7.org/fhir/R4/auditevent.html"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.audit.table import audit_log
from tests.gateway.api.fhir_api import FhirApi, assert_outcome, ids_of
from tests.gateway.linking.helpers import patient as link_patient


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


def _events(fhir: FhirApi, query: str) -> list[dict[str, Any]]:
    return [e["resource"] for page in fhir.follow(fhir.search(f"AuditEvent?{query}")) for e in page.get("entry", [])]


def test_a_person_named_as_the_second_entity_is_found_by_entity_and_patient(fhir: FhirApi) -> None:
    # Setup: an answer about a person; its creation is audited with the person as entity[1]
    person = fhir.patient()
    answer = fhir.create({"resourceType": "QuestionnaireResponse", "status": "completed",
                          "subject": {"reference": f"Patient/{person['id']}"}})
    created = [e for e in _events(fhir, f"entity=QuestionnaireResponse/{answer['id']}")
               if e["subtype"][0]["code"] == "create"]
    assert len(created) == 1 and created[0]["entity"][1]["what"] == {"reference": f"Patient/{person['id']}"}
    # entity= and patient= both find it (R4: every entity), with the person's own events
    by_entity = {e["id"] for e in _events(fhir, f"entity=Patient/{person['id']}")}
    by_patient = {e["id"] for e in _events(fhir, f"patient=Patient/{person['id']}")}
    assert created[0]["id"] in by_entity and by_entity == by_patient


def test_type_rest_finds_every_restful_event_and_paging_keeps_date_order(fhir: FhirApi) -> None:
    for _ in range(3):
        fhir.patient()
    # Each search is audited too: bound the query by time so the pages see a fixed set.
    newest = fhir.search("AuditEvent?_count=1")["entry"][0]["resource"]["recorded"]
    for sort in ("date", "-date"):
        pages = fhir.follow(fhir.search(f"AuditEvent?type=rest&_sort={sort}&_count=2&date=le{quote(newest)}"))
        events = [e["resource"] for page in pages for e in page.get("entry", [])]
        assert len(events) == len({e["id"] for e in events}) == pages[0]["total"] >= 3
        assert all(e["type"]["code"] == "rest" for e in events)
        recorded = [e["recorded"] for e in events]
        assert recorded == sorted(recorded, reverse=sort == "-date")
    # No log-on events here: every event up to then is a RESTful one.
    assert pages[0]["total"] == fhir.search(f"AuditEvent?_count=0&date=le{quote(newest)}")["total"]


def test_a_link_decision_names_every_record_it_joins(fhir: FhirApi) -> None:
    for body in (link_patient("gp-9"), link_patient("la-9", family="Hollway", source="liquidlogic")):
        assert fhir.put(f"Patient/{body['id']}", body).status_code == 201
    linked = fhir.client.post("/api/links/link", json={"patients": ["gp-9", "la-9"]}, headers=fhir.headers)
    assert linked.status_code == 200, linked.text
    # One event names both records as people, and is found from either of them
    for pid in ("gp-9", "la-9"):
        decisions = [e for e in _events(fhir, f"patient=Patient/{pid}&entity-role=1&subtype=update")
                     if sorted(x["what"]["reference"] for x in e["entity"] if x.get("role", {}).get("code") == "1")
                     == ["Patient/gp-9", "Patient/la-9"]]
        assert len(decisions) == 1, pid


def test_an_audit_event_has_one_version_and_no_history(fhir: FhirApi) -> None:
    fhir.patient()
    first = ids_of(fhir.search("AuditEvent?_count=1"))[0]
    assert fhir.get(f"AuditEvent/{first}/_history/1").json() == fhir.get(f"AuditEvent/{first}").json()
    assert_outcome(fhir.get(f"AuditEvent/{first}/_history/2"), 404)
    assert_outcome(fhir.get(f"AuditEvent/{first}/_history"), 405)
    assert_outcome(fhir.get("AuditEvent/_history"), 405)
    assert_outcome(fhir.get("AuditEvent/99999999999999999999999"), 404)


def test_audit_events_can_be_searched_by_post(fhir: FhirApi) -> None:
    made = fhir.patient()
    form = {"entity": f"Patient/{made['id']}", "subtype": "create"}
    response = fhir.client.post("/fhir/AuditEvent/_search", data=form,
                                headers={"Authorization": fhir.headers["Authorization"]})
    assert response.status_code == 200, response.text
    assert [e["resource"]["subtype"][0]["code"] for e in response.json()["entry"]] == ["create"]
    assert_outcome(fhir.client.post("/fhir/AuditEvent/_search", data={"nonsense": "1"},
                                    headers={"Authorization": fhir.headers["Authorization"]}), 400)
