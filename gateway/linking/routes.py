"""Person linking over HTTP (`/api/links`): candidates to decide, and link/unlink by hand.

Reading needs read access to Patient; every decision needs update on Patient (an admin, or a
scope such as `user/Patient.u`). Reads are audited through the audit writer; each decision is
audited inside its own write transaction, next to the golden Patient version it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway.limits.json_input import parse_json
from gateway.limits.numbers import optional_number, row_id
from gateway.linking import actions
from gateway.linking.actions import Actor, candidate_row
from gateway.linking.views import STATUSES, list_candidates, one_candidate, person_json
from gateway.outcomes import bad_request
from gateway.repository.unit import UnitOfWork
from gateway.request_context import Caller
from gateway.security import audit, authorized, caller, write_context

router = APIRouter(prefix="/api/links")
T = TypeVar("T")


def _actor(who: Caller) -> Actor:
    return Actor(who.principal.user, who.principal.role, who.audit_request_id, who.client)


def _int(request: Request, name: str, default: int, most: int) -> int:
    return optional_number(request.query_params.get(name), name, default, most=most)


async def _body_ids(request: Request, *names: str) -> list[str]:
    body = parse_json(await request.body(), request.app.state.settings.max_json_depth)
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    if names == ("patients",):
        ids = body.get("patients")
        if not (isinstance(ids, list) and len(ids) == 2 and all(isinstance(i, str) and i for i in ids)):
            raise bad_request('Send {"patients": ["<id>", "<id>"]}: two Patient ids', ["patients"])
        return [i.removeprefix("Patient/") for i in ids]
    values = [body.get(n) for n in names]
    if not all(isinstance(v, str) and v for v in values):
        raise bad_request("Send " + ", ".join(f'"{n}": "<Patient id>"' for n in names), list(names))
    return [str(v).removeprefix("Patient/") for v in values]


async def _write(request: Request, work: Callable[[UnitOfWork], T]) -> T:
    who = request.state.caller

    def run() -> T:
        with request.app.state.repo.writing(write_context(who, "linking")) as writer:
            return work(writer)

    return await run_in_threadpool(run)


async def _read(request: Request, work: Callable[[Any], T]) -> T:
    def run() -> T:
        with request.app.state.repo.reading() as conn:
            return work(conn)

    return await run_in_threadpool(run)


@router.get("/candidates", include_in_schema=False)
async def candidates(request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "search-type", "Patient")
    status = request.query_params.get("status") or None
    if status not in (None, "all", *STATUSES):
        raise bad_request(f"status must be one of {', '.join(STATUSES)} or all", ["status"])
    patient = request.query_params.get("patient") or None
    offset, count = _int(request, "_offset", 0, 10**9), max(1, _int(request, "_count", 50, 500))
    items, total = await _read(request, lambda conn: list_candidates(
        conn, None if status == "all" else status, patient, offset, count))
    await audit(request, who, "search-type", "Patient", query=f"person-link candidates {request.url.query}")
    body: dict[str, Any] = {"total": total, "candidates": items}
    if offset + count < total:
        query = "&".join(f"{k}={v}" for k, v in (("status", status), ("patient", patient)) if v)
        body["next"] = f"/api/links/candidates?{query}{'&' if query else ''}_offset={offset + count}&_count={count}"
    return JSONResponse(body)


@router.get("/candidates/{candidate_id}", include_in_schema=False)
async def candidate(candidate_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "Patient")
    number = row_id(candidate_id, "person-link candidate")
    body = await _read(request, lambda conn: one_candidate(conn, candidate_row(conn, number)))
    await audit(request, who, "read", "Patient", query=f"person-link candidate {candidate_id}")
    return JSONResponse(body)


@router.post("/candidates/{candidate_id}/{decision}", include_in_schema=False)
async def decide(candidate_id: str, decision: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "update", "Patient")
    number = row_id(candidate_id, "person-link candidate")
    act = {"confirm": actions.confirm, "reject": actions.reject, "reopen": actions.reopen}.get(decision)
    if act is None:
        raise bad_request(f"Unknown decision {decision!r}: use confirm, reject or reopen")
    actor = _actor(who)

    def work(writer: UnitOfWork) -> dict[str, Any]:
        act(writer, number, actor)
        row = candidate_row(writer.conn, number)
        body = {"candidate": one_candidate(writer.conn, row)}
        if decision == "confirm":
            body["person"] = person_json(writer.conn, row.patient_a)
        return body

    return JSONResponse(await _write(request, work))


@router.post("/link", include_in_schema=False)
async def link(request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "update", "Patient")
    first, second = await _body_ids(request, "patients")
    actor = _actor(who)

    def work(writer: UnitOfWork) -> dict[str, Any]:
        golden = actions.link(writer, first, second, actor)
        return person_json(writer.conn, golden)

    return JSONResponse(await _write(request, work))


@router.post("/unlink", include_in_schema=False)
async def unlink(request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "update", "Patient")
    golden, patient = await _body_ids(request, "golden", "patient")
    actor = _actor(who)

    def work(writer: UnitOfWork) -> dict[str, Any]:
        actions.unlink(writer, golden, patient, actor)
        return person_json(writer.conn, patient)

    return JSONResponse(await _write(request, work))


@router.get("/patients/{patient_id}", include_in_schema=False)
async def person(patient_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "Patient")
    body = await _read(request, lambda conn: person_json(conn, patient_id))
    await audit(request, who, "read", "Patient", patient_id, query="person-link person")
    return JSONResponse(body)
