"""Turn one person's assessment change into the Liquidlogic-shaped HealthAndWellbeingUpdate, put it
in the responsible social worker's inbox and queue it for the configured social care targets, all
inside the transaction of the change.

The document is about the person's social care record, so it needs the Liquidlogic-side Patient
(found among the Patients linked to the assessment's subject) and their last Care Act assessment.
A person unknown to social care gets no document: there is no record for it to update.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, or_, select

from adapters.liquidlogic import ids
from adapters.liquidlogic.errors import AdapterError
from adapters.liquidlogic.from_fhir import Author, build_update
from gateway.delivery.outbox import enqueue
from gateway.inbox.sending import FILE_QUEUE, HTTP_QUEUE
from gateway.inbox.tables import inbox_items
from gateway.repository.base import WriteContext
from gateway.settings import Settings
from gateway.storage.index_tables import search_reference
from gateway.storage.tables import resources
from gateway.storage.times import now_us
from gateway.subscriptions.matching import Matcher
from gateway.subscriptions.triggers import TopicEvent

FhirJson = dict[str, Any]
log = logging.getLogger(__name__)

SOCIAL_WORKER = "106328005"  # SNOMED CT: Social worker (occupation)
ASSESSMENT_QUESTIONNAIRE = "/Questionnaire/liquidlogic-care-act-assessment"


def _load(conn: Connection, res_type: str, res_ids: list[str]) -> list[FhirJson]:
    r = resources.c
    rows = conn.execute(select(r.content).where(r.res_type == res_type, r.res_id.in_(sorted(res_ids)),
                                                r.deleted.is_(False)))
    return [orjson.loads(row.content) for row in rows]


def _about(conn: Connection, res_type: str, patients: set[str]) -> list[FhirJson]:
    s = search_reference.c
    found = {row.res_id for row in conn.execute(select(s.res_id).where(
        s.res_type == res_type, or_(s.param == "subject", s.param == "patient"), s.target_type == "Patient",
        s.target_id.in_(sorted(p.split("/", 1)[1] for p in patients))))}
    return _load(conn, res_type, list(found)) if found else []


def social_care_patient(conn: Connection, people: set[str]) -> FhirJson | None:
    """The Liquidlogic-side Patient among `people` (the one carrying an LA person id)."""
    system = ids.system("person")
    for patient in _load(conn, "Patient", [p.split("/", 1)[1] for p in people]):
        if any(i.get("system") == system for i in patient.get("identifier", [])):
            return patient
    return None


def last_assessment(conn: Connection, patient_ref: str) -> FhirJson | None:
    """The person's latest completed Care Act assessment form (QuestionnaireResponse)."""
    forms = [qr for qr in _about(conn, "QuestionnaireResponse", {patient_ref})
             if str(qr.get("questionnaire", "")).endswith(ASSESSMENT_QUESTIONNAIRE)]
    return max(forms, key=lambda qr: str(qr.get("authored", "")), default=None)


def social_worker(conn: Connection, people: set[str], assessment: FhirJson | None) -> str | None:
    """The responsible social worker: a social worker on the person's CareTeam, else whoever
    completed their last assessment."""
    for team in _about(conn, "CareTeam", people):
        for participant in team.get("participant", []):
            roles = [c.get("code") for r in participant.get("role", []) for c in r.get("coding", [])]
            ref = (participant.get("member") or {}).get("reference")
            if SOCIAL_WORKER in roles and ref:
                return str(ref)
    author = (assessment or {}).get("author", {}).get("reference")
    return str(author) if author else None


def _author(conn: Connection, event: TopicEvent, context: WriteContext) -> Author:
    user = context.user
    role = context.role or None
    name = user
    if event.focus and event.focus.startswith("Observation/"):
        res_id = event.focus.split("/")[1]
        for obs in _load(conn, "Observation", [res_id]):
            performer = next((p.get("display") for p in obs.get("performer", []) if p.get("display")), None)
            name = performer or name
    return Author(name=name, id=user, role=role)


def update_listener(settings: Settings) -> Callable[[Connection, Matcher, TopicEvent, WriteContext], None]:
    """The listener the subscriptions hook calls for each assessment change (registered at start-up)."""

    def listener(conn: Connection, matcher: Matcher, event: TopicEvent, context: WriteContext) -> None:
        record_update(conn, settings, matcher, event, context)

    return listener


def record_update(conn: Connection, settings: Settings, matcher: Matcher, event: TopicEvent,
                  context: WriteContext) -> str | None:
    """Build, store and queue the update for an assessment topic event; its inbox item id, or None
    when the person has no social care record."""
    assert event.patient is not None
    people = matcher.people(event.patient)
    patient = social_care_patient(conn, people)
    if patient is None:
        log.info("assessment change for %s: no Liquidlogic record linked, no update document", event.patient)
        return None
    social_ref = f"Patient/{patient['id']}"
    assessment = last_assessment(conn, social_ref)
    try:
        document = build_update(patient, event.deltas, _author(conn, event, context), datetime.now(UTC), assessment)
    except AdapterError as exc:
        log.warning("assessment change for %s: no update document: %s", event.patient, exc)
        return None
    teams = sorted(matcher.teams(event.patient))
    item_id = str(uuid.uuid4())
    conn.execute(insert(inbox_items).values(
        item_id=item_id, created_at=now_us(), patient=event.patient, social_care_patient=social_ref,
        assignee=social_worker(conn, people, assessment), team=teams[0] if teams else None,
        event_reference=document["Event_Reference"], summary=document["summary"],
        review_suggested=1 if document["review"]["suggested"] else 0,
        document=orjson.dumps(document).decode(), status="new"))
    if settings.liquidlogic_drop_dir is not None:
        enqueue(conn, FILE_QUEUE, "document", item_id=item_id)
    if settings.liquidlogic_endpoint:
        enqueue(conn, HTTP_QUEUE, "document", item_id=item_id)
    return item_id
