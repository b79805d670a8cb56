"""Notification Bundles in the R4 Backport shape: a `history` Bundle whose first entry is the
SubscriptionStatus (a Parameters resource), followed by the events' focus resources as the
subscription's payload content asks (none, references only, or the resources themselves).

See https://hl7.org/fhir/uv/subscriptions-backport/notifications.html and
https://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition-backport-subscription-status-r4.html
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from gateway.storage.tables import resource_history
from gateway.storage.times import now_us, us_to_instant

STATUS_PROFILE = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"
NOTIFICATION_PROFILE = \
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4"
FhirJson = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A numbered event as kept in `subscription_events`."""

    number: int
    at: int
    focus: str | None  # "Type/id/_history/version"
    context: list[str]

    @classmethod
    def from_row(cls, row: Any) -> StoredEvent:
        return cls(int(row.event_number), int(row.at), row.focus, json.loads(row.context))


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """What a notification says about its subscription."""

    sub_id: str
    topic: str
    status: str
    content: str
    event_count: int
    error: str | None = None


def _unversioned(ref: str) -> str:
    return ref.split("/_history/", 1)[0]


def status_parameters(base: str, sub: SubscriptionView, kind: str, events: list[StoredEvent]) -> FhirJson:
    """The SubscriptionStatus of one notification or query (`kind`: handshake, heartbeat,
    event-notification, query-status, query-event)."""
    params: list[FhirJson] = [
        {"name": "subscription", "valueReference": {"reference": f"{base}/Subscription/{sub.sub_id}"}},
        {"name": "topic", "valueCanonical": sub.topic},
        {"name": "status", "valueCode": sub.status},
        {"name": "type", "valueCode": kind},
        {"name": "events-since-subscription-start", "valueString": str(sub.event_count)},
    ]
    for event in events:
        parts: list[FhirJson] = [
            {"name": "event-number", "valueString": str(event.number)},
            {"name": "timestamp", "valueInstant": us_to_instant(event.at)},
        ]
        if sub.content != "empty":
            if event.focus:
                parts.append({"name": "focus", "valueReference": {"reference": f"{base}/{_unversioned(event.focus)}"}})
            parts.extend({"name": "additional-context", "valueReference": {"reference": f"{base}/{_unversioned(c)}"}}
                         for c in event.context)
        params.append({"name": "notification-event", "part": parts})
    if sub.error:
        params.append({"name": "error", "valueCodeableConcept": {"text": sub.error[:500]}})
    return {"resourceType": "Parameters", "id": str(uuid.uuid4()), "meta": {"profile": [STATUS_PROFILE]},
            "parameter": params}


def _versions(conn: Connection, refs: list[str]) -> dict[str, tuple[str | None, str]]:
    """Versioned reference -> (content or None if that version is a deletion, method)."""
    h = resource_history.c
    out: dict[str, tuple[str | None, str]] = {}
    for ref in dict.fromkeys(refs):
        res_type, res_id, _, version = ref.split("/")
        row = conn.execute(select(h.content, h.method).where(
            h.res_type == res_type, h.res_id == res_id, h.version == int(version))).first()
        if row is not None:
            out[ref] = (row.content, row.method)
    return out


def _resource_entries(conn: Connection, base: str, content: str, events: list[StoredEvent]) -> list[FhirJson]:
    if content == "empty":
        return []
    refs = [e.focus for e in events if e.focus]
    entries = []
    for ref, (text, method) in _versions(conn, refs).items():
        plain = _unversioned(ref)
        entry: FhirJson = {"fullUrl": f"{base}/{plain}"}
        if content == "full-resource" and text is not None:
            entry["resource"] = orjson.loads(text)
        status = "201" if method == "POST" else "204" if text is None else "200"
        entry["request"] = {"method": "DELETE" if text is None else method if method in ("POST", "PUT") else "PUT",
                            "url": plain if method != "POST" else plain.split("/")[0]}
        entry["response"] = {"status": status}
        entries.append(entry)
    return entries


def notification_bundle(conn: Connection | None, base: str, sub: SubscriptionView, kind: str,
                        events: list[StoredEvent]) -> FhirJson:
    """A notification (or `$events` answer) Bundle of type history."""
    status = status_parameters(base, sub, kind, events)
    entries: list[FhirJson] = [{
        "fullUrl": f"urn:uuid:{status['id']}",
        "resource": status,
        "request": {"method": "GET", "url": f"Subscription/{sub.sub_id}/$status"},
        "response": {"status": "200"},
    }]
    if conn is not None and events:
        entries.extend(_resource_entries(conn, base, sub.content, events))
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "meta": {"profile": [NOTIFICATION_PROFILE]},
            "type": "history", "timestamp": us_to_instant(now_us()), "entry": entries}
