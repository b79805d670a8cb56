"""Subscription lifecycle, kept in step with the stored Subscription resources by a write hook.

Every Subscription write is validated (an unusable one fails the whole write with a 422) and
mirrored into `subscription_state` in the same transaction. A new subscription, a changed channel,
or a client asking for `requested` again starts a handshake: status `requested` until the
receiver accepts the handshake notification, then `active` (the worker writes that back to the
resource), or `error` when it never does. Events are only delivered to active subscriptions; they
are numbered and queued from the moment the subscription exists, so none are lost while the
handshake is pending. See https://hl7.org/fhir/uv/subscriptions-backport/workflow.html
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gateway.delivery.outbox import cancel_queue, enqueue
from gateway.repository.base import WriteEvent
from gateway.repository.unit import UnitOfWork
from gateway.subscriptions.config import SubscriptionConfig, read_subscription
from gateway.subscriptions.tables import subscription_state

s = subscription_state.c


def event_queue(sub_id: str) -> str:
    return f"sub:{sub_id}"


def handshake_queue(sub_id: str) -> str:
    return f"hs:{sub_id}"


def _values(config: SubscriptionConfig) -> dict[str, Any]:
    return {
        "topic": config.topic.url, "endpoint": config.endpoint, "headers": json.dumps(list(config.headers)),
        "content": config.content, "filters": json.dumps({k: list(v) for k, v in config.filters.items()}),
        "heartbeat_s": config.heartbeat_s, "timeout_s": config.timeout_s, "max_count": config.max_count,
        "end_at": config.end_at,
    }


def next_status(config: SubscriptionConfig, row: Any) -> tuple[str, bool]:
    """(status to keep, whether a handshake is needed) for a write of `config` over state `row`."""
    if config.status == "off":
        return "off", False
    if row is None:
        return "requested", True
    old_key = (row.topic, row.endpoint, tuple(json.loads(row.headers)))
    if old_key != config.channel_key() or row.status == "off":
        return "requested", True
    if config.status == "requested" and row.status != "requested":
        return "requested", True
    return row.status, False


def subscription_changes(unit: UnitOfWork, events: list[WriteEvent]) -> None:
    """Change hook: validate each Subscription write and mirror it into `subscription_state`."""
    for event in events:
        if event.res_type == "Subscription":
            mirror(unit.conn, event)


def mirror(conn: Connection, event: WriteEvent) -> None:
    """Keep `subscription_state` in step with one Subscription write (422 for an unusable one)."""
    row = conn.execute(select(subscription_state).where(s.sub_id == event.res_id)).first()
    if event.after is None:
        if row is not None:
            conn.execute(update(subscription_state).where(s.sub_id == event.res_id).values(status="off"))
        cancel_queue(conn, event_queue(event.res_id))
        cancel_queue(conn, handshake_queue(event.res_id))
        return
    config = read_subscription(event.after)
    status, handshake = next_status(config, row)
    values = {**_values(config), "status": status}
    if row is None:
        conn.execute(insert(subscription_state).values(sub_id=event.res_id, event_count=0, **values))
    else:
        conn.execute(update(subscription_state).where(s.sub_id == event.res_id).values(**values))
    if handshake:
        cancel_queue(conn, handshake_queue(event.res_id))
        enqueue(conn, handshake_queue(event.res_id), "handshake", sub_id=event.res_id)


def set_status(conn: Connection, sub_id: str, status: str, error: str | None = None) -> None:
    conn.execute(update(subscription_state).where(s.sub_id == sub_id).values(status=status, error=error))
