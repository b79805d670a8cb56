"""The caseload, the weekly meeting, finding a person, and a person's integrated record."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.outcomes import bad_request
from gateway.pages.caseload import CaseloadPerson, caseload
from gateway.pages.caseload_cache import CaseloadCache
from gateway.pages.caseload_view import SORTS, CaseloadView
from gateway.pages.finding import Found, find_people
from gateway.pages.handling import can, need, readable_types, render, today
from gateway.pages.person_view import OMAHA_READS, person_view, recent_events
from gateway.request_context import Caller
from gateway.security import audit
from gateway.staff import practitioner_refs


def caseload_cache(request: Request) -> CaseloadCache:
    """This process's caseload cache (one per app)."""
    cache: CaseloadCache = request.app.state.__dict__.setdefault("caseload_cache", CaseloadCache())
    return cache


def _week(request: Request) -> date | None:
    raw = request.query_params.get("week")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"week must be a date like 2025-10-31, not {raw!r}", ["week"]) from None


async def _caseload_page(request: Request, who: Caller, template: str) -> Response:
    need(who, "s", "Patient", "Observation", "Condition")
    readable = readable_types(who)
    repo = request.app.state.repo
    week = _week(request)
    as_of = week or today(request)  # a past week shows the caseload as it stood then

    view = CaseloadView.of(request.query_params)

    def work() -> tuple[list[CaseloadPerson], date, list[str]]:
        with repo.reading() as conn:
            people, week_end = caseload(conn, readable, week, as_of, caseload_cache(request))
            mine = practitioner_refs(conn, who.principal.user) if view.mine else []
        return people, week_end, mine

    people, week_end, mine = await run_in_threadpool(work)
    shown = view.apply(people, mine)
    await audit(request, who, "search-type", "Patient", query=f"page {template.removesuffix('.html')} week={week_end}")
    rows = view.page_of(shown) if template == "caseload.html" else shown
    return render(request, who, template, people=rows, found=len(shown), total=len(people), week_end=week_end,
                  view=view, sorts=SORTS, as_of=as_of, page=min(view.page, view.pages(len(shown))),
                  pages=view.pages(len(shown)), asked_week=week.isoformat() if week else "")


async def caseload_page(request: Request, who: Caller) -> Response:
    return await _caseload_page(request, who, "caseload.html")


async def meeting_page(request: Request, who: Caller) -> Response:
    return await _caseload_page(request, who, "meeting.html")


async def search_page(request: Request, who: Caller) -> Response:
    need(who, "s", "Patient")
    q = (request.query_params.get("q") or "").strip()
    repo = request.app.state.repo

    def work() -> list[Found]:
        if not q:
            return []
        with repo.reading() as conn:
            return find_people(conn, q)

    results = await run_in_threadpool(work)
    await audit(request, who, "search-type", "Patient", query=f"page people q={q}")
    return render(request, who, "search.html", q=q, results=results)


async def person_page(request: Request, who: Caller) -> Response:
    need(who, "r", "Patient")
    patient_id = request.path_params["patient_id"]
    repo = request.app.state.repo
    omaha_allowed = can(who, "r", *OMAHA_READS)
    view = await run_in_threadpool(person_view, repo, patient_id, readable_types(who), omaha_allowed, today(request))
    if view.record.person_id != patient_id:
        return RedirectResponse(f"/app/people/{view.record.person_id}", status_code=303)
    await audit(request, who, "read", "Patient", patient_id, query="page person (integrated record)")
    show_all = request.query_params.get("timeline") == "all"
    return render(request, who, "person.html", view=view, events=view.timeline if show_all else
                  recent_events(view.timeline), all_events=show_all, saved=request.query_params.get("saved"),
                  can_assess=can(who, "c", "QuestionnaireResponse", "Condition", "Observation", "CarePlan"))


async def home(request: Request, who: Caller) -> Response:
    return RedirectResponse("/app/caseload", status_code=303)
