"""The alert webhook as a delivery kind: each alert event is an outbox row (queue `alert:webhook`,
kind `alert`) that the delivery worker POSTs as JSON to `GATEWAY_ALERT_WEBHOOK_URL`, with the
outbox's retries, backoff and dead letter. The document names the rule, what it is about and a
summary: never a person or any health data."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, select

from gateway.alerts.tables import alert_events
from gateway.delivery.jobs import Job, register_kind
from gateway.delivery.outbox import Claimed
from gateway.settings import Settings
from gateway.storage.times import us_to_instant

QUEUE = "alert:webhook"
WEBHOOK_KIND = "alert"


def alert_document(row: Any, settings: Settings) -> dict[str, Any]:
    return {"gateway": settings.base_url, "alert": row.rule, "subject": row.subject, "state": row.state,
            "at": us_to_instant(int(row.at)), "summary": row.summary, "event": int(row.seq)}


def prepare_alert(conn: Connection, settings: Settings, row: Claimed) -> Job | None:
    """The POST for an alert event; None (nothing to send) once the webhook is no longer configured."""
    if not settings.alert_webhook_url or row.item_id is None or not row.item_id.isdigit():
        return None
    event = conn.execute(select(alert_events).where(alert_events.c.seq == int(row.item_id))).first()
    if event is None:
        return None
    headers = {"Content-Type": "application/json"}
    if settings.alert_webhook_token:
        headers["Authorization"] = f"Bearer {settings.alert_webhook_token}"
    # The delivery worker sends it through the outbound policy, which allows this URL by its own setting.
    return Job(row, orjson.dumps(alert_document(event, settings)), url=settings.alert_webhook_url, headers=headers,
               timeout_s=settings.delivery_timeout_s)


def register() -> None:
    register_kind(WEBHOOK_KIND, prepare_alert)
