"""JSON API of the social worker's inbox: list, open, mark read, acknowledge."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway.inbox.store import get_item, inbox_view, mark
from gateway.limits.numbers import optional_number
from gateway.request_context import Caller
from gateway.security import audit, authorized, caller

router = APIRouter(prefix="/api/inbox")


def _patient_id(item: dict[str, object]) -> str | None:
    patient = str(item.get("patient") or "")
    return patient.split("/", 1)[1] if "/" in patient else None


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/") + "/fhir"


@router.get("", include_in_schema=False)
async def list_inbox(request: Request, status: str | None = None, patient: str | None = None,
                     who: Caller = Depends(caller)) -> JSONResponse:
    """The caller's assessment updates, newest first (documents left out; open an item for it)."""
    authorized(who, "read", "Patient")
    limit = optional_number(request.query_params.get("limit"), "limit", 100, least=1, most=1000)
    repo = request.app.state.repo

    def work() -> list[dict[str, object]]:
        with repo.db.reader.connect() as conn:
            items = inbox_view(conn, who.principal, _base(request), status, patient, limit)
        return [item.as_json(with_document=False) for item in items]

    items = await run_in_threadpool(work)
    query = f"inbox status={status or 'any'} patient={patient or 'any'}"
    await audit(request, who, "search-type", "Patient", query=query)
    return JSONResponse({"items": items, "count": len(items)})


@router.get("/{item_id}", include_in_schema=False)
async def open_item(item_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "Patient")
    repo = request.app.state.repo

    def work() -> dict[str, object]:
        with repo.db.reader.connect() as conn:
            return get_item(conn, who.principal, item_id, _base(request)).as_json()

    item = await run_in_threadpool(work)
    await audit(request, who, "read", "Patient", _patient_id(item), query=f"inbox item {item_id}")
    return JSONResponse(item)


async def _mark(request: Request, who: Caller, item_id: str, status: str) -> JSONResponse:
    authorized(who, "read", "Patient")
    repo = request.app.state.repo

    def work() -> dict[str, object]:
        with repo.db.writer.begin() as conn:
            return mark(conn, who.principal, item_id, status, _base(request)).as_json(with_document=False)

    item = await run_in_threadpool(work)
    await audit(request, who, "update", "Patient", _patient_id(item), query=f"inbox item {item_id} marked {status}")
    return JSONResponse(item)


@router.post("/{item_id}/read", include_in_schema=False)
async def mark_read(item_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    return await _mark(request, who, item_id, "read")


@router.post("/{item_id}/acknowledge", include_in_schema=False)
async def acknowledge(item_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    return await _mark(request, who, item_id, "acknowledged")
