"""The social worker's inbox of assessment updates (new, read, acknowledged), through the same
`inbox_view` / `get_item` / `mark` as `/api/inbox`; each item opens the person's integrated record."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.inbox.store import STATUSES, InboxItem, get_item, inbox_view, mark
from gateway.outcomes import bad_request
from gateway.pages.handling import need, render
from gateway.request_context import Caller
from gateway.security import audit


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/") + "/fhir"


async def inbox_page(request: Request, who: Caller) -> Response:
    need(who, "r", "Patient")
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        raise bad_request(f"status must be one of {', '.join(STATUSES)}", ["status"])
    repo = request.app.state.repo

    def work() -> list[InboxItem]:
        with repo.db.reader.connect() as conn:
            return inbox_view(conn, who.principal, _base(request), status, None, 200)

    items = await run_in_threadpool(work)
    await audit(request, who, "search-type", "Patient", query=f"page inbox status={status or 'any'}")
    counts = {s: sum(1 for i in items if i.status == s) for s in STATUSES}
    return render(request, who, "inbox.html", items=items, status=status, statuses=STATUSES, counts=counts)


async def inbox_item_page(request: Request, who: Caller) -> Response:
    """Opening an item marks it read, as opening a letter does."""
    need(who, "r", "Patient")
    item_id = request.path_params["item_id"]
    repo = request.app.state.repo

    def work() -> InboxItem:
        with repo.db.writer.begin() as conn:
            return mark(conn, who.principal, item_id, "read", _base(request))

    item = await run_in_threadpool(work)
    await audit(request, who, "read", "Patient", item.patient.split("/", 1)[1], query=f"page inbox item {item_id}")
    return render(request, who, "inbox_item.html", item=item, doc=item.document)


async def acknowledge_page(request: Request, who: Caller) -> Response:
    who.interaction = "update"
    need(who, "r", "Patient")
    item_id = request.path_params["item_id"]
    repo = request.app.state.repo

    def work() -> InboxItem:
        with repo.db.writer.begin() as conn:
            get_item(conn, who.principal, item_id, _base(request))
            return mark(conn, who.principal, item_id, "acknowledged", _base(request))

    item = await run_in_threadpool(work)
    await audit(request, who, "update", "Patient", item.patient.split("/", 1)[1],
                query=f"page inbox acknowledge {item_id}")
    return RedirectResponse("/app/inbox", status_code=303)
