"""The visible dead letter: deliveries that kept failing past the give-up time, and a way to send
one again once the receiver is fixed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway.delivery.outbox import requeue_dead
from gateway.delivery.tables import delivery_outbox
from gateway.limits.numbers import optional_number, row_id
from gateway.outcomes import not_found
from gateway.request_context import Caller
from gateway.security import audit, authorized, caller
from gateway.storage.times import us_to_instant

router = APIRouter(prefix="/api/delivery")
o = delivery_outbox.c


def _row(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq, "queue": row.queue, "kind": row.kind, "subscription": row.sub_id,
        "event_number": row.event_number, "inbox_item": row.item_id, "queued_at": us_to_instant(row.created_at),
        "attempts": row.attempts, "last_error": row.last_error, "state": row.state,
    }


@router.get("/dead-letters", include_in_schema=False)
async def dead_letters(request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    """Dead-lettered deliveries, newest first."""
    authorized(who, "read", "Subscription")
    limit = optional_number(request.query_params.get("limit"), "limit", 100, least=1, most=1000)
    repo = request.app.state.repo

    def work() -> list[dict[str, Any]]:
        with repo.db.reader.connect() as conn:
            rows = conn.execute(select(delivery_outbox).where(o.state == "dead").order_by(o.seq.desc())
                                .limit(max(1, min(limit, 1000))))
            return [_row(r) for r in rows]

    items = await run_in_threadpool(work)
    await audit(request, who, "search-type", "Subscription", query="dead-letters")
    return JSONResponse({"items": items, "count": len(items)})


@router.post("/dead-letters/{seq}/retry", include_in_schema=False)
async def retry(seq: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    """Queue a dead-lettered delivery again (at the end of its queue's order)."""
    authorized(who, "update", "Subscription")
    number = row_id(seq, "dead-lettered delivery")
    repo = request.app.state.repo

    def work() -> bool:
        with repo.db.writer.begin() as conn:
            return requeue_dead(conn, number)

    if not await run_in_threadpool(work):
        raise not_found(f"No dead-lettered delivery {seq}")
    await audit(request, who, "update", "Subscription", query=f"dead-letter {seq} queued again")
    return JSONResponse({"seq": number, "state": "pending"})
