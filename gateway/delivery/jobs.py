"""What each kind of outbox row sends and what its success or failure changes: handshakes activate
a subscription, events are notification Bundles, documents go to the social care targets.

These functions touch the database and run in worker threads; the worker does the sending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from gateway.delivery.outbox import Claimed
from gateway.delivery.transports import header_dict
from gateway.inbox.updates import FILE_QUEUE
from gateway.outcomes import FhirError
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.times import now_us
from gateway.subscriptions.lifecycle import set_status
from gateway.subscriptions.notifications import StoredEvent, SubscriptionView, notification_bundle
from gateway.subscriptions.tables import inbox_items, subscription_events, subscription_state

s = subscription_state.c
FHIR_JSON = "application/fhir+json"


@dataclass(slots=True)
class Job:
    """One send: to `url` (HTTP POST) or into `folder` as `file_name`."""

    row: Claimed
    body: bytes
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0
    folder: Path | None = None
    file_name: str | None = None


def fhir_base(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/fhir"


def view_of(row: Any) -> SubscriptionView:
    return SubscriptionView(row.sub_id, row.topic, row.status, row.content, int(row.event_count), row.error)


def _subscription(conn: Connection, sub_id: str | None) -> Any:
    return conn.execute(select(subscription_state).where(s.sub_id == sub_id)).first()


def _rest_hook(row: Claimed, settings: Settings, sub: Any, bundle: dict[str, Any]) -> Job:
    headers = {**header_dict(json.loads(sub.headers)), "Content-Type": FHIR_JSON}
    return Job(row, orjson.dumps(bundle), url=sub.endpoint, headers=headers,
               timeout_s=float(sub.timeout_s or settings.delivery_timeout_s))


# Kinds other features deliver through the outbox (e.g. the alert webhook): kind -> prepare.
PrepareFn = Callable[[Connection, Settings, Claimed], "Job | None"]
_KINDS: dict[str, PrepareFn] = {}


def register_kind(kind: str, prepare_fn: PrepareFn) -> None:
    """Let a feature queue rows of its own `kind` (at most 16 characters) and say what each sends."""
    _KINDS[kind] = prepare_fn


def prepare(conn: Connection, settings: Settings, row: Claimed) -> Job | None:
    """The send for a claimed row, or None when there is nothing left to send (subscription gone)."""
    registered = _KINDS.get(row.kind)
    if registered is not None:
        return registered(conn, settings, row)
    if row.kind == "handshake":
        sub = _subscription(conn, row.sub_id)
        if sub is None or sub.status == "off":
            return None
        bundle = notification_bundle(None, fhir_base(settings), view_of(sub), "handshake", [])
        return _rest_hook(row, settings, sub, bundle)
    if row.kind == "event":
        sub = _subscription(conn, row.sub_id)
        if sub is None or sub.status == "off":
            return None
        e = subscription_events.c
        event = conn.execute(select(subscription_events).where(
            e.sub_id == row.sub_id, e.event_number == row.event_number)).first()
        if event is None:
            return None
        bundle = notification_bundle(conn, fhir_base(settings), view_of(sub), "event-notification",
                                     [StoredEvent.from_row(event)])
        return _rest_hook(row, settings, sub, bundle)
    item = conn.execute(select(inbox_items.c.document, inbox_items.c.event_reference)
                        .where(inbox_items.c.item_id == row.item_id)).first()
    if item is None:
        return None
    body = item.document.encode()
    if row.queue == FILE_QUEUE:
        if settings.liquidlogic_drop_dir is None:
            return None
        return Job(row, body, folder=settings.liquidlogic_drop_dir, file_name=f"{item.event_reference}.json")
    if not settings.liquidlogic_endpoint:
        return None
    headers = {"Content-Type": "application/json"}
    if settings.liquidlogic_endpoint_token:
        headers["Authorization"] = f"Bearer {settings.liquidlogic_endpoint_token}"
    return Job(row, body, url=settings.liquidlogic_endpoint, headers=headers, timeout_s=settings.delivery_timeout_s)


def write_status(repo: SqlRepository, sub_id: str, status: str, error: str | None) -> None:
    """Set a subscription's status in its state row and, as a new version, on the resource itself."""

    def work(writer: Any) -> None:
        set_status(writer.conn, sub_id, status, error)
        try:
            current = writer.read_current("Subscription", sub_id)
        except FhirError:
            return
        body = orjson.loads(current.content)
        if body.get("status") == status and body.get("error") == error:
            return
        body["status"] = status
        if error:
            body["error"] = error[:1000]
        else:
            body.pop("error", None)
        writer.put(body, sub_id, "PUT")

    repo.in_transaction(work)


def on_success(conn: Connection, row: Claimed) -> None:
    if row.sub_id is not None:
        conn.execute(update(subscription_state).where(s.sub_id == row.sub_id)
                     .values(last_sent_at=now_us(), error=None))


def on_failure(conn: Connection, row: Claimed, error: str) -> None:
    if row.sub_id is not None and row.kind == "event":
        conn.execute(update(subscription_state).where(s.sub_id == row.sub_id).values(error=error[:2000]))


def heartbeats_due(conn: Connection) -> bool:
    """Whether any active subscription has been quiet for its heartbeat period (a read, so the
    worker takes a write transaction for heartbeats only when one is due)."""
    now = now_us()
    rows = conn.execute(select(s.heartbeat_s, s.last_sent_at).where(s.status == "active", s.heartbeat_s.is_not(None)))
    return any((row.last_sent_at or 0) + int(row.heartbeat_s) * 1_000_000 <= now for row in rows)


def due_heartbeats(conn: Connection, settings: Settings) -> list[Job]:
    """Heartbeats for active subscriptions that have been quiet for their heartbeat period. Each is
    claimed by moving `last_sent_at` with a compare-and-set, so only one process sends it."""
    now = now_us()
    rows = conn.execute(select(subscription_state).where(s.status == "active", s.heartbeat_s.is_not(None))).all()
    jobs = []
    for sub in rows:
        last = sub.last_sent_at or 0
        if last + int(sub.heartbeat_s) * 1_000_000 > now:
            continue
        claimed = conn.execute(update(subscription_state).where(
            s.sub_id == sub.sub_id, s.last_sent_at.is_(None) if sub.last_sent_at is None else s.last_sent_at == last)
            .values(last_sent_at=now)).rowcount
        if claimed:
            bundle = notification_bundle(None, fhir_base(settings), view_of(sub), "heartbeat", [])
            heartbeat = Claimed(0, f"hb:{sub.sub_id}", "heartbeat", sub.sub_id, None, None, now, 0)
            jobs.append(_rest_hook(heartbeat, settings, sub, bundle))
    return jobs
