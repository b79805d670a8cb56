"""The social worker's inbox of assessment updates (new, read, acknowledged), through the same
`inbox_view` / `get_item` / `mark` as `/api/inbox`; each item opens the person's integrated record."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.inbox.store import STATUSES, InboxItem, get_item, inbox_view, mark
from gateway.outcomes import bad_request
from gateway.pages.handling import need, render
from gateway.pages.words import concept_words
from gateway.request_context import Caller
from gateway.security import audit

ACHIEVEMENT = "https://care-gateway.example/fhir/CodeSystem/care-act-achievement"
HEADLINE_CHANGES = 2


_RATINGS = {"knowledge": "knowledge", "behavior": "behaviour", "behaviour": "behaviour", "status": "status"}
# Worse news first: what got worse, then new problems, then the rest.
_ORDER = {"worsened": 0, None: 1, "improved": 2}


def _score(value: Any) -> str:
    return str(value).split(" ", 1)[0] if value is not None else ""


def change_words(change: dict[str, Any]) -> str:
    """One change of an update in words: `Skin: status fell from 4 to 2`."""
    problem = (change.get("problem") or {}).get("name") or "Assessment"
    aspect = _RATINGS.get(str(change.get("aspect")))
    old, new = _score(change.get("old_value")), _score(change.get("new_value"))
    if aspect and old and new:
        moved = {"improved": "rose", "worsened": "fell"}.get(str(change.get("direction")), "changed")
        return f"{problem}: {aspect} {moved} from {old} to {new}"
    if aspect and new:
        return f"{problem}: first {aspect} rating {new}"
    if change.get("aspect") == "problem" and not old:
        return f"{problem}: new problem"
    what = str(change.get("what_changed") or "changed")
    return f"{problem}: {what[:1].lower() + what[1:]}"


def headline(doc: dict[str, Any]) -> str:
    """What changed, in one line: the weightiest changes in words, then how many more."""
    changes = sorted(doc.get("changes") or [], key=lambda c: _ORDER.get(c.get("direction"), 1))
    said = [change_words(c) for c in changes[:HEADLINE_CHANGES]]
    more = len(changes) - len(said)
    return "; ".join(said) + (f"; and {more} more" if more > 0 else "") if said else "Assessment updated"


def outcome_words(outcome: dict[str, Any]) -> str:
    """A Care Act outcome the update touches, with how it was assessed, in words."""
    name = outcome.get("display") or outcome.get("name") or outcome.get("code") or ""
    assessed = concept_words(ACHIEVEMENT, outcome.get("assessed_as"))
    return f"{name} ({assessed.lower()})" if assessed else str(name)


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
    return render(request, who, "inbox.html", items=items, status=status, statuses=STATUSES, counts=counts,
                  headline=headline)


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
    return render(request, who, "inbox_item.html", item=item, doc=item.document, outcome_words=outcome_words)


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
