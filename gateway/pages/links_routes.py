"""Link candidates to confirm or reject: the same views and actions as `/api/links`, with the same
scopes (deciding needs update on Patient) and the same audit entries."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.limits.numbers import optional_number, row_id
from gateway.linking import actions
from gateway.linking.actions import Actor, candidate_row
from gateway.linking.views import STATUSES, list_candidates, one_candidate
from gateway.outcomes import bad_request
from gateway.pages.handling import can, need, render
from gateway.pages.sources import SOURCES, Source
from gateway.request_context import Caller
from gateway.security import audit, write_context

PAGE_SIZE = 50
FIELDS = (("name", "Name"), ("birthDate", "Date of birth"), ("gender", "Gender"), ("postcode", "Postcode"),
          ("nhsNumber", "NHS number"))
DECISIONS = {"confirm": actions.confirm, "reject": actions.reject, "reopen": actions.reopen}


def _with_badges(candidate: dict[str, Any]) -> dict[str, Any]:
    for side in candidate["patients"]:
        key = side.get("source") or "gateway"
        side["badge"] = SOURCES.get(key, Source(key, key.title()))
    return candidate


def _rows(candidate: dict[str, Any]) -> list[tuple[str, list[Any], bool]]:
    """Each compared field for both records, and whether they differ."""
    rows = []
    for key, label in FIELDS:
        values = [side.get(key) for side in candidate["patients"]]
        present = {str(v).replace(" ", "").lower() for v in values if v}
        rows.append((label, values, len(present) > 1 or (len(present) == 1 and None in values)))
    return rows


async def candidates_page(request: Request, who: Caller) -> Response:
    need(who, "s", "Patient")
    status = request.query_params.get("status") or "open"
    if status not in (*STATUSES, "all"):
        raise bad_request(f"status must be one of {', '.join(STATUSES)} or all", ["status"])
    offset = optional_number(request.query_params.get("offset"), "offset", 0, most=10**9)
    repo = request.app.state.repo

    def work() -> tuple[list[dict[str, Any]], int]:
        with repo.reading() as conn:
            return list_candidates(conn, None if status == "all" else status, None, offset, PAGE_SIZE)

    items, total = await run_in_threadpool(work)
    await audit(request, who, "search-type", "Patient", query=f"page person-link candidates status={status}")
    return render(request, who, "links.html", items=[(_with_badges(c), _rows(c)) for c in items], total=total,
                  status=status, statuses=(*STATUSES, "all"), offset=offset, page_size=PAGE_SIZE,
                  may_decide=can(who, "u", "Patient"))


def _candidate_id(request: Request) -> int:
    return row_id(request.path_params["candidate_id"], "person-link candidate")


async def candidate_page(request: Request, who: Caller) -> Response:
    need(who, "r", "Patient")
    candidate_id = _candidate_id(request)
    repo = request.app.state.repo

    def work() -> dict[str, Any]:
        with repo.reading() as conn:
            return one_candidate(conn, candidate_row(conn, candidate_id))

    found = await run_in_threadpool(work)
    await audit(request, who, "read", "Patient", query=f"page person-link candidate {candidate_id}")
    return render(request, who, "link.html", c=_with_badges(found), rows=_rows(found),
                  may_decide=can(who, "u", "Patient"), saved=request.query_params.get("saved"))


async def decide_page(request: Request, who: Caller) -> Response:
    who.interaction = "update"
    need(who, "u", "Patient")
    candidate_id = _candidate_id(request)
    decision = request.path_params["decision"]
    act = DECISIONS.get(decision)
    if act is None:
        raise bad_request(f"Unknown decision {decision!r}: use confirm, reject or reopen")
    actor = Actor(who.principal.user, who.principal.role, who.audit_request_id, who.client)
    repo = request.app.state.repo

    def work() -> None:
        with repo.writing(write_context(who, "linking")) as writer:  # the action audits itself here too
            act(writer, candidate_id, actor)

    await run_in_threadpool(work)
    return RedirectResponse(f"/app/links/{candidate_id}?saved={decision}", status_code=303)
