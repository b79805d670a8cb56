"""Imports over HTTP for IT teams: submit an export, follow the run, read its per-row report.

`POST /api/imports/{source}` takes the export as a zip (body `application/zip`), streamed to disk
(see `uploads`), and answers 202 with the run's URL; the run proceeds in the background through the
same pipeline as the CLI, and the uploaded file is removed when it ends, however it ends.
`GET /api/imports/{run}/rows` pages through every row (rejected first), filtered by `outcome`,
`code` (a reject or warning code) or `warned=true`, with the run's counts per outcome and code.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from adapters.base import Adapter
from adapters.registry import UnknownSource, get_adapter
from gateway.imports.liveness import sweep_stale_runs
from gateway.imports.pipeline import ImportRunner, read_limits
from gateway.imports.report import run_rows, run_summary
from gateway.imports.uploads import receive_upload, remove_upload, upload_root
from gateway.limits.numbers import MAX_ID, optional_number, whole_number
from gateway.outcomes import bad_request, not_found
from gateway.request_context import Caller
from gateway.security import audit, authorized, caller

router = APIRouter(prefix="/api/imports")
log = logging.getLogger(__name__)


def _runner(request: Request, who: Caller) -> ImportRunner:
    settings = request.app.state.settings
    return ImportRunner.from_settings(request.app.state.repo, settings, who.principal.user)


@router.post("/{source}", include_in_schema=False)
async def submit(source: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "create", "*")
    authorized(who, "update", "*")
    settings = request.app.state.settings
    try:
        adapter = get_adapter(source, read_limits(settings))
    except UnknownSource:
        raise not_found(f"No adapter for source {source!r}") from None
    root = upload_root(settings.import_upload_dir)
    path = await receive_upload(request, source, root, settings.import_upload_max_bytes)
    runner = _runner(request, who)
    try:
        run_id = await run_in_threadpool(runner.start, source, path)
    except BaseException:
        remove_upload(path, root)
        raise
    threading.Thread(target=_run_then_remove, args=(runner, adapter, path, run_id, root), name=f"import-{run_id}",
                     daemon=True).start()
    await audit(request, who, "create", None, query=f"import {source} run {run_id}", status=202)
    url = f"/api/imports/{run_id}"
    return JSONResponse({"id": run_id, "status": "running", "url": url, "rows_url": f"{url}/rows"},
                        status_code=202, headers={"Location": url})


def _run_then_remove(runner: ImportRunner, adapter: Adapter, path: Path, run_id: str, root: Path) -> None:
    """The background run of an upload; its file goes when the run ends (a failure is in the run)."""
    try:
        runner.run(adapter, path, None, run_id)
    except Exception:  # noqa: BLE001 - recorded on the run by the runner; nobody else to tell
        log.exception("import run %s failed", run_id)
    finally:
        remove_upload(path, root)


@router.get("/{run_id}", include_in_schema=False)
async def status(run_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "*")
    settings = request.app.state.settings

    def work() -> dict:  # type: ignore[type-arg]
        repo = request.app.state.repo
        with repo.reading() as conn:
            summary = run_summary(conn, run_id)
        if summary["status"] == "running":  # still alive? a killed run must not say so for ever
            if run_id in sweep_stale_runs(repo, settings.import_stale_after_s, upload_root(settings.import_upload_dir)):
                with repo.reading() as conn:
                    summary = run_summary(conn, run_id)
        return summary

    summary = await run_in_threadpool(work)
    await audit(request, who, "read", None, query=f"import run {run_id}")
    return JSONResponse(summary)


@router.get("/{run_id}/rows", include_in_schema=False)
async def rows(run_id: str, request: Request, who: Caller = Depends(caller)) -> JSONResponse:
    authorized(who, "read", "*")
    params = request.query_params
    outcome, code, warned = params.get("outcome"), params.get("code"), params.get("warned")
    cursor = params.get("_cursor")
    start = whole_number(cursor, "_cursor", most=MAX_ID) if cursor is not None else None
    if warned not in (None, "true", "false"):
        raise bad_request("warned is true or false", ["warned"])
    if code is not None and not (0 < len(code) <= 32):
        raise bad_request("code is a reject or warning code such as S1-104 or S1-301", ["code"])
    limit = optional_number(params.get("_count"), "_count", 100, least=1, most=1000)

    def work() -> tuple[dict, list, int | None]:  # type: ignore[type-arg]
        with request.app.state.repo.reading() as conn:
            summary = run_summary(conn, run_id)
            page, following = run_rows(conn, run_id, outcome, start, limit, code, warned == "true")
            return summary, page, following

    summary, items, after = await run_in_threadpool(work)
    await audit(request, who, "search-type", None, query=f"import run {run_id} rows")
    counts = {key: summary[key] for key in ("counts", "rejected_by_code", "warnings", "warnings_by_code")}
    body = {"run": run_id, "counts": counts, "rows": items}
    if after is not None:
        kept = urlencode({k: v for k, v in (("outcome", outcome), ("code", code), ("warned", warned)) if v})
        body["next"] = f"/api/imports/{run_id}/rows?" + (f"{kept}&" if kept else "") + f"_cursor={after}"
    return JSONResponse(body)
