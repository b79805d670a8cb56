"""Audit rows rendered as AuditEvents that the R4B model accepts, carrying who/what/when/outcome."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from gateway.audit.entry import AuditEntry
from gateway.audit.render import render_audit_event

AuditEvent = get_fhir_model_class("AuditEvent")


def row_of(entry: AuditEntry, seq: int = 7) -> dict[str, Any]:
    return {"seq": seq, **entry.row()}


@pytest.mark.parametrize(
    "entry",
    [
        AuditEntry(
            user="alice",
            role="nurse",
            interaction="read",
            resource_type="Observation",
            resource_id="o1",
            patient="Patient/p1",
            client="10.0.0.5",
            request_id="req-1",
        ),
        AuditEntry(
            user="bob",
            interaction="search-type",
            resource_type="Condition",
            query="patient=p1&_count=5",
            patient="Patient/p1",
        ),
        AuditEntry(
            user="carol",
            role="admin",
            interaction="delete",
            resource_type="Patient",
            resource_id="p1",
            patient="Patient/p1",
            status=404,
            outcome_text="Patient/p1 not found",
        ),
        AuditEntry(user="anonymous", interaction="login", status=401, outcome_text="token expired"),
        AuditEntry(
            user="sys",
            interaction="operation",
            resource_type="Patient",
            resource_id="p2",
            query="_type=Observation",
            status=500,
        ),
    ],
)
def test_render_validates_against_r4b(entry: AuditEntry) -> None:
    event = render_audit_event(row_of(entry))
    AuditEvent.model_validate(event)
    assert event["agent"][0]["who"]["identifier"]["value"] == entry.user
    assert event["recorded"].endswith("+00:00")


def test_read_event_contents() -> None:
    entry = AuditEntry(
        user="alice",
        role="nurse",
        interaction="read",
        resource_type="Observation",
        resource_id="o1",
        patient="Patient/p1",
        client="10.0.0.5",
        request_id="req-1",
    )
    event = render_audit_event(row_of(entry))
    assert event["id"] == "7"
    assert event["type"]["code"] == "rest"
    assert event["subtype"] == [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}]
    assert (event["action"], event["outcome"]) == ("R", "0")
    agent = event["agent"][0]
    assert agent["requestor"] is True and agent["altId"] == "alice"
    assert agent["role"][0]["coding"][0]["code"] == "nurse"
    assert agent["network"] == {"address": "10.0.0.5", "type": "2"}
    whats = [e["what"] for e in event["entity"]]
    assert {"reference": "Observation/o1"} in whats and {"reference": "Patient/p1"} in whats
    assert {"identifier": {"value": "req-1"}} in whats
    assert event["source"]["observer"]["display"] == "care-gateway"


def test_search_event_carries_the_query_base64() -> None:
    entry = AuditEntry(user="bob", interaction="search-type", resource_type="Condition", query="code=1234&_count=5")
    event = render_audit_event(row_of(entry))
    (entity,) = event["entity"]
    assert event["action"] == "E"
    assert base64.b64decode(entity["query"]).decode() == "code=1234&_count=5"
    assert entity["type"]["code"] == "Condition" and entity["role"]["code"] == "24"
    assert "what" not in entity


def test_reading_a_patient_names_it_once() -> None:
    entry = AuditEntry(user="a", interaction="read", resource_type="Patient", resource_id="p1", patient="Patient/p1")
    assert len(render_audit_event(row_of(entry))["entity"]) == 1


def test_failures_render_their_outcome() -> None:
    entry = AuditEntry(user="anonymous", interaction="login", status=401, outcome_text="token expired")
    event = render_audit_event(row_of(entry))
    assert (event["outcome"], event["outcomeDesc"]) == ("4", "token expired")
    assert event["type"]["code"] == "110114" and event["subtype"][0]["code"] == "110122"
    server_error = render_audit_event(row_of(AuditEntry(user="u", interaction="create", status=503)))
    assert server_error["outcome"] == "8"


def test_further_entities_are_rendered_after_the_target_and_validate() -> None:
    entry = AuditEntry(user="erin", interaction="update", resource_type="Patient", resource_id="g1",
                       patient="Patient/s1", request_id="req-9")
    further = [{"what_type": "Patient", "what_id": "s2", "role": "1"},
               {"what_type": "Observation", "what_id": "o7", "role": "4"}]
    event = render_audit_event(row_of(entry), further)
    AuditEvent.model_validate(event)
    assert [e["what"] for e in event["entity"]] == [
        {"reference": "Patient/g1"}, {"reference": "Patient/s1"}, {"reference": "Patient/s2"},
        {"reference": "Observation/o7"}, {"identifier": {"value": "req-9"}}]
    assert [e.get("role", {}).get("code") for e in event["entity"]] == ["4", "1", "1", "4", None]
    assert event["entity"][3]["type"]["code"] == "Observation"


def test_an_event_has_one_version_updated_when_recorded() -> None:
    event = render_audit_event(row_of(AuditEntry(user="u", interaction="read", recorded=1_700_000_000_000_000)))
    assert event["meta"] == {"versionId": "1", "lastUpdated": event["recorded"]}
