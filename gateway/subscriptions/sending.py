"""The outbox job kinds of subscriptions, registered with delivery at start-up: handshakes
activate a subscription, events are notification Bundles, heartbeats keep a quiet channel alive.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, exists, select, update

from gateway.delivery.jobs import Job, JobKind, Periodic, register, register_periodic
from gateway.delivery.outbox import Claimed
from gateway.delivery.tables import delivery_outbox
from gateway.delivery.transports import header_dict
from gateway.outcomes import FhirError
from gateway.settings import Settings
from gateway.storage.times import now_us
from gateway.subscriptions.lifecycle import set_status
from gateway.subscriptions.notifications import StoredEvent, SubscriptionView, notification_bundle
from gateway.subscriptions.tables import subscription_events, subscription_state

s = subscription_state.c
FHIR_JSON = "application/fhir+json"


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


def prepare_handshake(conn: Connection, settings: Settings, row: Claimed) -> Job | None:
    sub = _subscription(conn, row.sub_id)
    if sub is None or sub.status == "off":
        return None
    bundle = notification_bundle(None, fhir_base(settings), view_of(sub), "handshake", [])
    return _rest_hook(row, settings, sub, bundle)


def prepare_event(conn: Connection, settings: Settings, row: Claimed) -> Job | None:
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


def write_status(repo: Any, sub_id: str, status: str, error: str | None) -> None:
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


def handshake_done(repo: Any, settings: Settings, row: Claimed, error: str | None) -> None:
    """A handshake's outcome, once recorded: the subscription is active, or in error when the
    receiver never accepted it."""
    if row.sub_id is None:
        return
    give_up = int(settings.delivery_give_up_hours * 3600 * 1_000_000)
    if error is None:
        write_status(repo, row.sub_id, "active", None)
    elif now_us() - row.created_at >= give_up:
        write_status(repo, row.sub_id, "error", f"handshake failed: {error}")


def event_recorded(conn: Connection, row: Claimed, error: str | None) -> None:
    if row.sub_id is None:
        return
    if error is None:
        conn.execute(update(subscription_state).where(s.sub_id == row.sub_id).values(last_sent_at=now_us(), error=None))
    else:
        conn.execute(update(subscription_state).where(s.sub_id == row.sub_id).values(error=error[:2000]))


def handshake_recorded(conn: Connection, row: Claimed, error: str | None) -> None:
    if row.sub_id is not None and error is None:
        conn.execute(update(subscription_state).where(s.sub_id == row.sub_id).values(last_sent_at=now_us(), error=None))


def subscription_active() -> ColumnElement[bool]:
    """An event row goes only while its subscription is active (it waits through the handshake)."""
    return exists().where(s.sub_id == delivery_outbox.c.sub_id, s.status == "active")


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


def register_kinds() -> None:
    """Register the subscription job kinds with delivery (idempotent; at start-up)."""
    register(JobKind("handshake", prepare_handshake, handshake_recorded, handshake_done))
    register(JobKind("event", prepare_event, event_recorded, ready=subscription_active))
    register_periodic(Periodic("heartbeat", heartbeats_due, due_heartbeats))
