"""Which topics one write transaction fired, for which person, with which focus resource.

Each topic names a detector in `topics.json` (`trigger`); the detectors here look only at the
transaction's WriteEvents (and, for assessments, the store inside the transaction), so an event
exists exactly when the change that caused it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection

from adapters.omaha.changes import AssessmentDelta
from gateway.repository.base import WriteEvent
from gateway.search.compartment import patient_of
from gateway.subscriptions.assessment import AssessmentChange, assessment_changes
from gateway.subscriptions.topics import Topic, all_topics

FhirJson = dict[str, Any]
Deltas = Sequence[tuple[str, list[AssessmentDelta]]]  # (Patient id, deltas), as in WriteContext.deltas


@dataclass(slots=True)
class TopicEvent:
    """One thing a topic says happened: about `patient`, triggered by the `focus` version."""

    topic: Topic
    patient: str | None
    focus: str | None  # "Type/id/_history/version"
    context: list[str] = field(default_factory=list)
    problems: frozenset[str] = frozenset()
    deltas: list[AssessmentDelta] = field(default_factory=list)
    change: AssessmentChange | None = None


def versioned(event: WriteEvent) -> str:
    return f"{event.res_type}/{event.res_id}/_history/{event.version}"


def _assessment(topic: Topic, conn: Connection, events: list[WriteEvent], deltas: Deltas) -> list[TopicEvent]:
    out = []
    for change in assessment_changes(conn, events, deltas):
        # The focus is the rating if one was written (what the team usually changes), else the first write.
        ordered = sorted(change.written, key=lambda e: e.res_type != "Observation")
        focus = versioned(ordered[0])
        context = [change.patient, *(versioned(e) for e in ordered[1:])]
        out.append(TopicEvent(topic, change.patient, focus, context, change.problems, change.deltas, change))
    return out


def _status_class(resource: FhirJson | None) -> tuple[str | None, str | None]:
    if not resource:
        return None, None
    cls = resource.get("class") or {}
    return resource.get("status"), cls.get("code") if isinstance(cls, dict) else None


def _encounter(topic: Topic, _conn: Connection, events: list[WriteEvent], _deltas: Deltas) -> list[TopicEvent]:
    out = []
    for event in events:
        if event.res_type != "Encounter" or event.after is None:
            continue
        status, cls = _status_class(event.after)
        if cls not in topic.classes():
            continue
        before = orjson.loads(event.before) if event.before else None
        was, _ = _status_class(before)
        admitted = status == "in-progress" and was != "in-progress" and was != "finished"
        discharged = status == "finished" and was != "finished"
        if admitted or discharged:
            patient = patient_of(event.after)
            out.append(TopicEvent(topic, patient, versioned(event), [patient] if patient else []))
    return out


def _codes_of(resource: FhirJson | None) -> set[tuple[str, str]]:
    if not resource:
        return set()
    concepts = [resource.get("code")]
    if resource.get("resourceType") == "Observation":
        concepts.append(resource.get("valueCodeableConcept"))
    return {(c.get("system", ""), c.get("code", "")) for concept in concepts if isinstance(concept, dict)
            for c in concept.get("coding", [])}


def _coded_finding(topic: Topic, _conn: Connection, events: list[WriteEvent], _deltas: Deltas) -> list[TopicEvent]:
    out = []
    wanted = topic.codes()
    for event in events:
        if event.res_type not in topic.resources or event.after is None:
            continue
        if not _codes_of(event.after) & wanted:
            continue
        before = orjson.loads(event.before) if event.before else None
        if _codes_of(before) & wanted:
            continue  # already had the finding: an edit, not a new health change
        patient = patient_of(event.after)
        out.append(TopicEvent(topic, patient, versioned(event), [patient] if patient else []))
    return out


Detector = Callable[[Topic, Connection, list[WriteEvent], Deltas], list[TopicEvent]]
DETECTORS: dict[str, Detector] = {
    "assessment": _assessment,
    "encounter": _encounter,
    "coded-finding": _coded_finding,
}


def fired(conn: Connection, events: list[WriteEvent], deltas: Deltas = ()) -> list[TopicEvent]:
    """Every topic event of one unit of work, topic by topic in `topics.json` order. `deltas`: the
    assessment changes the assessment service already worked out (from the unit's context)."""
    out: list[TopicEvent] = []
    types = {e.res_type for e in events}
    for topic in all_topics():
        if types.intersection(topic.resources):
            out.extend(DETECTORS[topic.trigger](topic, conn, events, deltas))
    return out
