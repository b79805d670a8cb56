"""Imports over HTTP for IT teams: submit an export, follow the run, read its per-row report.

`POST /api/imports/{source}` takes the export as a zip (body `application/zip`) and answers
202 with the run's URL; the run proceeds in the background through the same pipeline as the CLI.
`GET /api/imports/{run}/rows` pages through every row (rejected first), filtered by `outcome`,
`code` (a reject or warning code) or `warned=true`, with the run's counts per outcome and code.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

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
    folder = Path(tempfile.mkdtemp(prefix=f"import-{source}-"))
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
    params = request.query_params
    outcome, code, warned = params.get("outcome"), params.get("code"), params.get("warned")
    cursor = params.get("_cursor")
    if cursor is not None and not cursor.isdigit():
        raise bad_request("_cursor is not valid", ["_cursor"])
    if warned not in (None, "true", "false"):
        raise bad_request("warned is true or false", ["warned"])
    if code is not None and not (0 < len(code) <= 32):
        raise bad_request("code is a reject or warning code such as S1-104 or S1-301", ["code"])
    count = params.get("_count", "100") or "100"
    if not count.isdigit():
        raise bad_request("_count is a whole number", ["_count"])
    limit = max(1, min(int(count), 1000))

    def work() -> tuple[dict, list, int | None]:  # type: ignore[type-arg]
        with request.app.state.repo.reading() as conn:
            summary = run_summary(conn, run_id)
            page, after = run_rows(conn, run_id, outcome, int(cursor) if cursor else None, limit, code,
                                   warned == "true")
            return summary, page, after

    summary, items, after = await run_in_threadpool(work)
    await audit(request, who, "search-type", None, query=f"import run {run_id} rows")
    counts = {key: summary[key] for key in ("counts", "rejected_by_code", "warnings", "warnings_by_code")}
    body = {"run": run_id, "counts": counts, "rows": items}
    if after is not None:
        kept = urlencode({k: v for k, v in (("outcome", outcome), ("code", code), ("warned", warned)) if v})
        body["next"] = f"/api/imports/{run_id}/rows?" + (f"{kept}&" if kept else "") + f"_cursor={after}"
    return JSONResponse(body)
