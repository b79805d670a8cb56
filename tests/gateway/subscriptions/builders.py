"""Resources the subscription tests write: synthetic people, Omaha problems and ratings, social
care records and topic-based Subscriptions in the R4 Backport shape."""

from __future__ import annotations

from typing import Any

from adapters.liquidlogic import ids as ll_ids
from adapters.omaha.model import Problem, Rating
from adapters.omaha.to_fhir import condition, observation
from gateway.subscriptions.config import FILTER_CRITERIA, HEARTBEAT_PERIOD, PAYLOAD_CONTENT
from gateway.subscriptions.topics import topic_url

ASSESSMENT = topic_url("integrated-assessment-changed")
ADMISSION = topic_url("admission-discharge")
HEALTH_CHANGE = topic_url("social-care-health-change")


def subscription(endpoint: str, topic: str = ASSESSMENT, filters: list[str] | None = None,
                 content: str = "id-only", headers: list[str] | None = None,
                 heartbeat: int | None = None) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "type": "rest-hook", "endpoint": endpoint, "payload": "application/fhir+json",
        "_payload": {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": content}]},
        "header": headers or ["Authorization: Bearer receiver-secret"],
    }
    if heartbeat:
        channel["extension"] = [{"url": HEARTBEAT_PERIOD, "valueUnsignedInt": heartbeat}]
    out: dict[str, Any] = {"resourceType": "Subscription", "status": "requested", "reason": "Tell the social worker",
                           "criteria": topic, "channel": channel}
    if filters:
        out["_criteria"] = {"extension": [{"url": FILTER_CRITERIA, "valueString": f} for f in filters]}
    return out


def problem(patient: str, code: str = "38") -> dict[str, Any]:
    return condition(Problem(code=code, severity="actual"), patient, recorded="2026-01-05")


def rating(patient: str, condition_id: str, date: str, k: int, b: int, s: int,
           note: str | None = None) -> dict[str, Any]:
    return observation(Rating(date=date, knowledge=k, behavior=b, status=s, note=note,
                              rated_by="Practitioner/nurse-1"), condition_id, patient)


def social_care_patient(la_person_id: str, nhs: str, family: str = "Holloway") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": ll_ids.resource_id("person", la_person_id),
            "identifier": [ll_ids.identifier("person", la_person_id),
                           {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
            "name": [{"family": family, "given": ["Margaret"]}]}
