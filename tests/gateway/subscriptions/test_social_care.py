"""Each assessment change also becomes a Liquidlogic HealthAndWellbeingUpdate: dropped in the
configured folder, valid against its schema, and listed in the responsible social worker's inbox
(new -> read -> acknowledged), linking to the person's integrated record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from adapters.liquidlogic import ids as ll_ids
from adapters.liquidlogic.from_fhir import validate_update
from adapters.uris import extension
from gateway.audit.table import audit_log
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_end_to_end import person, transaction


def care_act_assessment(patient: str, worker: str) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse", "id": ll_ids.resource_id("form", "F-1"),
        "extension": [{"url": extension("social-care-event-reference"),
                       "valueIdentifier": ll_ids.identifier("event", "ASM-5002")}],
        "questionnaire": "https://care-gateway.example/fhir/Questionnaire/liquidlogic-care-act-assessment",
        "status": "completed", "subject": {"reference": patient}, "authored": "2025-07-21",
        "author": {"reference": f"Practitioner/{worker}"},
    }


def wait_for_files(folder: Path, count: int, receiver: Receiver) -> list[Path]:
    receiver.wait_for(lambda: folder.exists() and len(list(folder.glob("HWU-*.json"))) >= count)
    return sorted(folder.glob("HWU-*.json"))


def test_update_dropped_validated_and_in_the_inbox(fhir: FhirApi, client: TestClient, settings: Settings,
                                                    receiver: Receiver, token_for: Callable[..., str]) -> None:
    # Setup: a person known to social care, assessed by social worker sw-1.
    patient = person(fhir)
    assert fhir.put(f"QuestionnaireResponse/{ll_ids.resource_id('form', 'F-1')}",
                    care_act_assessment(patient, "sw-1")).status_code == 201
    cond = builders.problem(patient)
    first = builders.rating(patient, cond["id"], "2026-01-05", 3, 3, 3)
    assert fhir.post("", transaction(cond, first)).status_code == 200
    drop = settings.liquidlogic_drop_dir
    assert drop is not None
    assert len(wait_for_files(drop, 1, receiver)) == 1

    # The status rating falls: a second update, in the folder, valid, saying what changed.
    worse = builders.rating(patient, cond["id"], "2026-02-05", 3, 3, 2, note="Needs two carers to wash")
    assert fhir.put(f"Observation/{worse['id']}", worse).status_code == 201
    files = wait_for_files(drop, 2, receiver)
    assert len(files) == 2
    documents = [json.loads(f.read_text()) for f in files]
    for document in documents:
        validate_update(document)
    latest = next(d for d in documents if any(c["aspect"] == "status" and c["direction"] == "worsened"
                                               for c in d["changes"]))
    assert latest["LA_Person_Unique_Identifier"] == "400101"
    assert latest["related_assessment"]["Event_Reference"] == "ASM-5002"
    change = next(c for c in latest["changes"] if c["aspect"] == "status")
    assert change["problem"]["code"] == "38" and change["note"] == "Needs two carers to wash"
    assert not list(drop.glob(".incoming-*"))  # no half-written files left behind

    # The social worker's inbox lists both, newest first, linking to the integrated record.
    sw = {"Authorization": f"Bearer {token_for('social-worker', user='sw-1')}"}
    inbox = client.get("/api/inbox", headers=sw).json()
    assert inbox["count"] == 2
    item = inbox["items"][0]
    assert item["event_reference"] == latest["Event_Reference"]
    assert item["status"] == "new" and item["assignee"] == "Practitioner/sw-1"
    assert item["record_url"] == f"http://testserver/fhir/{patient}/$everything"
    assert item["review_suggested"] is True

    # Someone else's inbox does not show them.
    other = {"Authorization": f"Bearer {token_for('social-worker', user='sw-2')}"}
    assert client.get("/api/inbox", headers=other).json()["count"] == 0
    assert client.get(f"/api/inbox/{item['id']}", headers=other).status_code == 404

    # Read, then acknowledge; the status only moves forward.
    assert client.post(f"/api/inbox/{item['id']}/read", headers=sw).json()["status"] == "read"
    acked = client.post(f"/api/inbox/{item['id']}/acknowledge", headers=sw).json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "sw-1"
    assert client.post(f"/api/inbox/{item['id']}/read", headers=sw).json()["status"] == "acknowledged"
    still_new = client.get("/api/inbox", headers=sw, params={"status": "new"}).json()["items"]
    assert [i["status"] for i in still_new] == ["new"]
    opened = client.get(f"/api/inbox/{item['id']}", headers=sw).json()
    assert opened["document"]["Event_Reference"] == latest["Event_Reference"]

    # Every inbox read and mark is audited, naming the person it was about.
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            a = audit_log.c
            trail = conn.execute(select(a.interaction, a.patient, a.query).where(a.user_id == "sw-1")
                                 .order_by(a.seq)).all()
    finally:
        engine.dispose()
    opened_rows = [t for t in trail if t.query == f"inbox item {item['id']}"]
    assert opened_rows and {t.patient for t in opened_rows} == {patient}
    assert any(t.interaction == "update" and t.query.endswith("marked acknowledged") for t in trail)
    assert sum(t.interaction == "search-type" and t.query.startswith("inbox ") for t in trail) == 2


def test_no_update_for_a_person_unknown_to_social_care(fhir: FhirApi, client: TestClient, settings: Settings,
                                                        receiver: Receiver) -> None:
    patient = fhir.patient("Nobody")
    ref = f"Patient/{patient['id']}"
    cond = builders.problem(ref)
    assert fhir.post("", transaction(cond, builders.rating(ref, cond["id"], "2026-01-05", 3, 3, 3))).status_code == 200
    assert client.get("/api/inbox", headers=fhir.headers).json()["count"] == 0
    assert settings.liquidlogic_drop_dir is not None and not list(settings.liquidlogic_drop_dir.glob("*.json"))
