"""The other topics (admission/discharge, social-care-relevant health change), the team and
problem filters, heartbeats, and several workers sharing one database without double delivery."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_catch_up import ratings
from tests.gateway.subscriptions.test_end_to_end import active_subscription, person, transaction


def encounter(patient: str, enc_id: str, status: str) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": enc_id, "status": status,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "subject": {"reference": patient}}


def test_admission_discharge_and_health_change(fhir: FhirApi, receiver: Receiver) -> None:
    patient = person(fhir)
    admissions = active_subscription(fhir, receiver, topic=builders.ADMISSION, filters=[f"patient={patient}"])
    health = active_subscription(fhir, receiver, topic=builders.HEALTH_CHANGE)

    # Admitted, a note added (no event), discharged: two events.
    assert fhir.put("Encounter/stay-1", encounter(patient, "stay-1", "in-progress")).status_code == 201
    assert fhir.put("Encounter/stay-1", {**encounter(patient, "stay-1", "in-progress"),
                                         "serviceType": {"text": "ward 3"}}).status_code == 200
    assert fhir.put("Encounter/stay-1", encounter(patient, "stay-1", "finished")).status_code == 200

    # A fall recorded (event), edited (no event); an unrelated condition (no event).
    fall = {"resourceType": "Condition", "id": "fall-1", "subject": {"reference": patient},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1912002", "display": "Fall"}]}}
    assert fhir.put("Condition/fall-1", fall).status_code == 201
    assert fhir.put("Condition/fall-1", {**fall, "note": [{"text": "in the garden"}]}).status_code == 200
    assert fhir.put("Condition/other", {**fall, "id": "other", "code": {"coding": [
        {"system": "http://snomed.info/sct", "code": "38341003"}]}}).status_code == 201

    assert receiver.wait_for(lambda: len(receiver.events()) == 3)
    by_sub: dict[str, list[str]] = {}
    for r in receiver.events():
        sub = r.status["subscription"][0]["reference"].rsplit("/", 1)[1]
        focus = next(p for p in r.status["notification-event"][0] if p["name"] == "focus")
        by_sub.setdefault(sub, []).append(focus["valueReference"]["reference"].split("/fhir/")[1])
    assert by_sub == {admissions["id"]: ["Encounter/stay-1", "Encounter/stay-1"], health["id"]: ["Condition/fall-1"]}


def test_team_and_problem_filters(fhir: FhirApi, receiver: Receiver) -> None:
    on_caseload, elsewhere = person(fhir), person(fhir, "400202")
    north = {"resourceType": "CareTeam", "id": "north", "name": "North team"}
    assert fhir.put("CareTeam/north", north).status_code == 201
    assert fhir.put("CareTeam/margaret", {
        "resourceType": "CareTeam", "id": "margaret", "subject": {"reference": on_caseload},
        "participant": [{"member": {"reference": "CareTeam/north"}}]}).status_code == 201
    team = active_subscription(fhir, receiver, filters=["team=CareTeam/north"])
    circulation = active_subscription(fhir, receiver, filters=["problem=27"])

    for who in (on_caseload, elsewhere):
        assert fhir.post("", transaction(builders.problem(who, "38"))).status_code == 200
    assert fhir.post("", transaction(builders.problem(elsewhere, "27"))).status_code == 200

    assert receiver.wait_for(lambda: len(receiver.events()) == 2)
    subs = sorted(r.status["subscription"][0]["reference"].rsplit("/", 1)[1] for r in receiver.events())
    assert subs == sorted([team["id"], circulation["id"]])


def test_heartbeat_when_quiet(fhir: FhirApi, receiver: Receiver) -> None:
    active_subscription(fhir, receiver, heartbeat=1)
    assert receiver.wait_for(lambda: len(receiver.of_kind("heartbeat")) >= 1, timeout=5)


def test_two_gateways_deliver_each_event_once_in_order(settings: Settings, receiver: Receiver,
                                                       auth: dict[str, str]) -> None:
    # SQLite runs one worker per database; several workers is the PostgreSQL deployment.
    if not settings.database_url.startswith("postgresql") or not POSTGRES_URL:
        pytest.skip("several workers on one database is the PostgreSQL deployment")
    with TestClient(create_app(settings), raise_server_exceptions=False) as one, \
            TestClient(create_app(settings), raise_server_exceptions=False) as two:
        fhir_one, fhir_two = FhirApi(one, auth), FhirApi(two, auth)
        patient = person(fhir_one)
        active_subscription(fhir_one, receiver, filters=[f"patient={patient}"])
        cond = builders.problem(patient)
        assert fhir_one.post("", transaction(cond)).status_code == 200
        for i, obs in enumerate(ratings(patient, cond["id"], 40)):
            api = fhir_one if i % 2 else fhir_two
            assert api.put(f"Observation/{obs['id']}", obs).status_code == 201
        assert receiver.wait_for(lambda: len(receiver.events()) >= 41, timeout=20)
    assert [n for r in receiver.events() for n in r.event_numbers] == list(range(1, 42))
