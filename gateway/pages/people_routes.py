"""The caseload, the weekly meeting, finding a person, and a person's integrated record."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.assessments.records import find_all
from gateway.linking.demographics import is_golden
from gateway.outcomes import bad_request
from gateway.pages.caseload import caseload
from gateway.pages.handling import can, need, readable_types, render
from gateway.pages.person_view import OMAHA_READS, person_view, recent_events
from gateway.pages.sources import SOURCES, identifier_source
from gateway.request_context import Caller
from gateway.security import audit

SEARCH_LIMIT = 50


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

    def work() -> tuple[list, date]:  # type: ignore[type-arg]
        with repo.reading() as conn:
            return caseload(conn, readable, week, date.today())

    people, week_end = await run_in_threadpool(work)
    await audit(request, who, "search-type", "Patient", query=f"page {template.removesuffix('.html')} week={week_end}")
    return render(request, who, template, people=people, week_end=week_end)


async def caseload_page(request: Request, who: Caller) -> Response:
    return await _caseload_page(request, who, "caseload.html")


async def meeting_page(request: Request, who: Caller) -> Response:
    return await _caseload_page(request, who, "meeting.html")


def _query(q: str) -> list[tuple[str, str]]:
    digits = q.replace(" ", "")
    if digits.isdigit():
        return [("identifier", digits)]
    return [("name", q)]


async def search_page(request: Request, who: Caller) -> Response:
    need(who, "s", "Patient")
    q = (request.query_params.get("q") or "").strip()
    repo = request.app.state.repo

    def work() -> list[dict]:  # type: ignore[type-arg]
        if not q:
            return []
        with repo.reading() as conn:
            found = find_all(conn, "Patient", _query(q))
        return found[:SEARCH_LIMIT]

    found = await run_in_threadpool(work)
    results = [{"id": p["id"], "golden": is_golden(p), "name": _display(p), "birthDate": p.get("birthDate", ""),
                "source": SOURCES.get(identifier_source(p) or "gateway", SOURCES["gateway"])} for p in found]
    await audit(request, who, "search-type", "Patient", query=f"page people q={q}")
    return render(request, who, "search.html", q=q, results=results)


def _display(patient: dict) -> str:  # type: ignore[type-arg]
    for name in patient.get("name", []):
        if name.get("use") not in ("old", "maiden"):
            return name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
    return "Unnamed"


async def person_page(request: Request, who: Caller) -> Response:
    need(who, "r", "Patient")
    patient_id = request.path_params["patient_id"]
    repo = request.app.state.repo
    omaha_allowed = can(who, "r", *OMAHA_READS)
    view = await run_in_threadpool(person_view, repo, patient_id, readable_types(who), omaha_allowed)
    if view.record.person_id != patient_id:
        return RedirectResponse(f"/app/people/{view.record.person_id}", status_code=303)
    await audit(request, who, "read", "Patient", patient_id, query="page person (integrated record)")
    show_all = request.query_params.get("timeline") == "all"
    return render(request, who, "person.html", view=view, events=view.timeline if show_all else
                  recent_events(view.timeline), all_events=show_all, saved=request.query_params.get("saved"),
                  can_assess=can(who, "c", "QuestionnaireResponse", "Condition", "Observation", "CarePlan"))


async def home(request: Request, who: Caller) -> Response:
    return RedirectResponse("/app/caseload", status_code=303)
