"""Imports over HTTP for IT teams: submit an export, follow the run, read its per-row report.

`POST /api/imports/{source}` takes the export as a zip (body `application/zip`) and answers
202 with the run's URL; the run proceeds in the background through the same pipeline as the CLI.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from adapters.registry import UnknownSource, get_adapter
from gateway.imports.pipeline import ImportRunner
from gateway.imports.report import run_rows, run_summary
from gateway.outcomes import bad_request, not_found
from gateway.request_context import Caller
from gateway.security import audit, authorized, caller

router = APIRouter(prefix="/api/imports")
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def _runner(request: Request, who: Caller) -> ImportRunner:
    settings = request.app.state.settings
    return ImportRunner.from_settings(request.app.state.repo, settings, who.principal.user)


@router.post("/{source}", include_in_schema=False)
async def submit(source: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "create", "*")
    authorized(who, "update", "*")
    try:
        adapter = get_adapter(source)
    except UnknownSource:
        raise not_found(f"No adapter for source {source!r}") from None
    body = await request.body()
    if not body:
        raise bad_request("POST the export as a zip file (Content-Type: application/zip)")
    if len(body) > MAX_UPLOAD_BYTES:
        raise bad_request(f"The upload is larger than {MAX_UPLOAD_BYTES} bytes; use the CLI for big extracts")
    if not body.startswith(b"PK"):
        raise bad_request("The body is not a zip file")
    upload_dir = request.app.state.settings.upload_dir  # kept there until retention's "uploads" purger
    upload_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"import-{source}-", dir=upload_dir))
    path = folder / f"{source}.zip"
    path.write_bytes(body)
    runner = _runner(request, who)
    run_id = await run_in_threadpool(runner.start, source, path)
    threading.Thread(target=runner.run, args=(adapter, path, None, run_id), name=f"import-{run_id}",
                     daemon=True).start()
    await audit(request, who, "create", None, query=f"import {source} run {run_id}", status=202)
    url = f"/api/imports/{run_id}"
    return JSONResponse({"id": run_id, "status": "running", "url": url, "rows_url": f"{url}/rows"},
                        status_code=202, headers={"Location": url})


@router.get("/{run_id}", include_in_schema=False)
async def status(run_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "*")

    def work() -> dict:  # type: ignore[type-arg]
        with request.app.state.repo.reading() as conn:
            return run_summary(conn, run_id)

    summary = await run_in_threadpool(work)
    await audit(request, who, "read", None, query=f"import run {run_id}")
    return JSONResponse(summary)


@router.get("/{run_id}/rows", include_in_schema=False)
async def rows(run_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "*")
    outcome = request.query_params.get("outcome")
    cursor = request.query_params.get("_cursor")
    if cursor is not None and not cursor.isdigit():
        raise bad_request("_cursor is not valid", ["_cursor"])
    limit = min(int(request.query_params.get("_count", "100") or 100), 1000)

    def work() -> tuple[list, int | None]:  # type: ignore[type-arg]
        with request.app.state.repo.reading() as conn:
            run_summary(conn, run_id)
            return run_rows(conn, run_id, outcome, int(cursor) if cursor else None, limit)

    items, after = await run_in_threadpool(work)
    await audit(request, who, "search-type", None, query=f"import run {run_id} rows")
    body = {"run": run_id, "rows": items}
    if after is not None:
        body["next"] = f"/api/imports/{run_id}/rows?" + (f"outcome={outcome}&" if outcome else "") + f"_cursor={after}"
    return JSONResponse(body)
