"""The inbox's outbox job kind, registered with delivery at start-up: a social care update
document goes to the configured drop folder or Liquidlogic endpoint."""

from __future__ import annotations

from sqlalchemy import Connection, select

from gateway.delivery.jobs import Job, JobKind, register
from gateway.delivery.outbox import Claimed
from gateway.inbox.tables import inbox_items
from gateway.settings import Settings

FILE_QUEUE = "liquidlogic:file"
HTTP_QUEUE = "liquidlogic:http"


def prepare_document(conn: Connection, settings: Settings, row: Claimed) -> Job | None:
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


def register_kinds() -> None:
    """Register the document job kind with delivery (idempotent; at start-up)."""
    register(JobKind("document", prepare_document))
