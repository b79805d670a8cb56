"""`Subscription/$status` and `Subscription/{id}/$events`: how a receiver that was down finds out
where it stands and fetches what it missed, by event number.

See https://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition-backport-subscription-status.html
and https://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition-backport-subscription-events.html
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.delivery.outbox import pending_by
from gateway.limits.numbers import whole_number
from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.outcomes import bad_request, not_found
from gateway.responses import FhirResponse
from gateway.security import audit, authorized
from gateway.storage.times import now_us, us_to_instant
from gateway.subscriptions.config import CONTENTS
from gateway.subscriptions.notifications import StoredEvent, notification_bundle, status_parameters
from gateway.subscriptions.sending import fhir_base, view_of
from gateway.subscriptions.tables import subscription_events, subscription_state

STATUS_DEFINITION = load_definition("backport-subscription-status")
EVENTS_DEFINITION = load_definition("backport-subscription-events")

st = subscription_state.c
ev = subscription_events.c


def _number(params: dict[str, list[Any]], name: str) -> int | None:
    values = params.get(name)
    if not values:
        return None
    return whole_number(str(values[0]), name)


def status_bundle(repo: Any, base: str, ids: list[str], statuses: list[str]) -> dict[str, Any]:
    """A searchset Bundle of SubscriptionStatus resources (type query-status), one per subscription."""
    with repo.db.reader.connect() as conn:
        query = select(subscription_state).order_by(st.sub_id)
        if ids:
            query = query.where(st.sub_id.in_(ids))
        if statuses:
            query = query.where(st.status.in_(statuses))
        rows = conn.execute(query).all()
        entries = []
        for row in rows:
            view = view_of(row)
            waiting = pending_by(conn, row.sub_id)
            if view.error is None and waiting and waiting[0][1] > 0:
                view = replace(view, error=f"event {waiting[0][0]} not yet delivered after {waiting[0][1]} attempts")
            status = status_parameters(base, view, "query-status", [])
            entries.append({"fullUrl": f"urn:uuid:{status['id']}", "resource": status, "search": {"mode": "match"}})
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "searchset", "total": len(entries),
            "timestamp": us_to_instant(now_us()), "entry": entries}


def events_bundle(repo: Any, base: str, sub_id: str, since: int | None, until: int | None, content: str | None,
                  limit: int) -> dict[str, Any]:
    """A history Bundle replaying the subscription's events `since`..`until` (inclusive), oldest first."""
    with repo.db.reader.connect() as conn:
        row = conn.execute(select(subscription_state).where(st.sub_id == sub_id)).first()
        if row is None:
            raise not_found(f"Subscription/{sub_id} is not known")
        query = select(subscription_events).where(ev.sub_id == sub_id)
        if since is not None:
            query = query.where(ev.event_number >= since)
        if until is not None:
            query = query.where(ev.event_number <= until)
        rows = conn.execute(query.order_by(ev.event_number).limit(limit)).all()
        view = view_of(row)
        if content is not None:
            view = replace(view, content=content)
        return notification_bundle(conn, base, view, "query-event", [StoredEvent.from_row(r) for r in rows])


@operation("status", {"type", "instance"}, {"Subscription"}, STATUS_DEFINITION)
async def subscription_status(call: OperationCall) -> Response:
    """The status of one subscription (instance level) or of those named by `id` / `status`."""
    authorized(call.caller, "read", "Subscription")
    params = await read_parameters(call.request, STATUS_DEFINITION)
    ids = [call.res_id] if call.res_id else [str(v) for v in params.get("id", [])]
    repo = call.request.app.state.repo
    bundle = await run_in_threadpool(status_bundle, repo, fhir_base(call.request.app.state.settings), ids,
                                     [str(v) for v in params.get("status", [])])
    if call.res_id and not bundle["entry"]:
        raise not_found(f"Subscription/{call.res_id} is not known")
    await audit(call.request, call.caller, "operation", "Subscription", call.res_id, query="$status")
    return FhirResponse(bundle)


@operation("events", {"instance"}, {"Subscription"}, EVENTS_DEFINITION)
async def subscription_events_op(call: OperationCall) -> Response:
    """Replay events by number: what a receiver that was down uses to catch up."""
    assert call.res_id is not None
    authorized(call.caller, "read", "Subscription")
    params = await read_parameters(call.request, EVENTS_DEFINITION)
    since, until = _number(params, "eventsSinceNumber"), _number(params, "eventsUntilNumber")
    if since is not None and until is not None and until < since:
        raise bad_request("eventsUntilNumber is before eventsSinceNumber", ["eventsUntilNumber"])
    content = str(params["content"][0]) if params.get("content") else None
    if content is not None and content not in CONTENTS:
        raise bad_request(f"content must be one of {', '.join(CONTENTS)}", ["content"])
    settings = call.request.app.state.settings
    bundle = await run_in_threadpool(events_bundle, call.request.app.state.repo, fhir_base(settings), call.res_id,
                                     since, until, content, settings.subscription_events_max)
    await audit(call.request, call.caller, "operation", "Subscription", call.res_id, query="$events")
    return FhirResponse(bundle)
