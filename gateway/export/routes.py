"""An export job's status URL (poll, cancel) and its files, for the job's owner.

GET on the status URL answers 202 with `X-Progress` and `Retry-After` while the job runs, the
manifest when it is done, an OperationOutcome when it failed; DELETE cancels (202) and removes the
files, after which the URL is 404. Every poll, cancel and download is audited.
See https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-status-request
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response, StreamingResponse

from gateway.export import jobs
from gateway.export.access import require_job_access
from gateway.export.ndjson import ERROR_TYPE
from gateway.export.worker import job_folder
from gateway.outcomes import FhirError, not_found, ok, outcome
from gateway.request_context import Caller
from gateway.responses import FhirResponse
from gateway.security import audit, caller
from gateway.storage.times import now_us, us_to_http_date, us_to_instant

router = APIRouter(prefix="/fhir/_export")
NDJSON = "application/fhir+ndjson"
RETRY_AFTER_S = 2
_BLOCK = 1 << 20


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/") + "/fhir"


async def _job(request: Request, who: Caller, job_id: str, interaction: str) -> jobs.Job:
    """The job, if it is live and the caller may see it (404 / 403 otherwise)."""
    who.interaction = interaction

    def load() -> jobs.Job | None:
        with request.app.state.repo.reading() as conn:
            return jobs.get(conn, job_id)

    job = await run_in_threadpool(load)
    expired = job is not None and job.expires is not None and job.expires < now_us()
    if job is None or job.status == "cancelled" or expired:
        raise not_found(f"There is no export job {job_id} (it may have been cancelled or have expired)")
    require_job_access(who.principal, job.owner_user, job.owner_client, job.spec.types)
    return job


def manifest(job: jobs.Job, base: str) -> dict[str, Any]:
    """The complete-status body. See https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status"""

    def item(part: Any) -> dict[str, Any]:
        return {"type": part.type, "url": f"{base}/_export/{job.job_id}/{part.name}", "count": part.count}

    return {
        "transactionTime": us_to_instant(job.transaction_time),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [item(f) for f in job.state.files if f.type != ERROR_TYPE],
        "error": [item(f) for f in job.state.files if f.type == ERROR_TYPE],
    }


@router.get("/{job_id}", include_in_schema=False)
async def status(job_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    job = await _job(request, who, job_id, "read")
    await audit(request, who, "read", None, query=f"$export job {job_id} status: {job.status}",
                status=200 if job.status == "completed" else 202 if job.status in jobs.ACTIVE else 500)
    if job.status in jobs.ACTIVE:
        return Response(status_code=202, headers={"X-Progress": job.state.progress(),
                                                  "Retry-After": str(RETRY_AFTER_S)})
    if job.status == "failed":
        raise FhirError(outcome("error", "exception", job.error or "The export failed"), 500)
    headers = {"Expires": us_to_http_date(job.expires)} if job.expires else {}
    return JSONResponse(manifest(job, _base(request)), headers=headers)


@router.delete("/{job_id}", include_in_schema=False)
async def cancel(job_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    job = await _job(request, who, job_id, "delete")
    settings = request.app.state.settings

    def work() -> bool:
        with request.app.state.repo.db.writer.begin() as conn:
            cancelled = jobs.cancel(conn, job_id)
        if cancelled and job.status not in jobs.ACTIVE:  # a running job's worker removes its own files
            shutil.rmtree(job_folder(settings, job_id), ignore_errors=True)
        return cancelled

    if not await run_in_threadpool(work):
        raise not_found(f"There is no export job {job_id} (it may have been cancelled or have expired)")
    await audit(request, who, "delete", None, query=f"$export job {job_id} cancelled", status=202)
    return FhirResponse(ok(f"Export job {job_id} cancelled; its files are removed"), status_code=202)


@router.get("/{job_id}/{file_name}", include_in_schema=False)
async def download(job_id: str, file_name: str, request: Request, who: Caller = Depends(caller)) -> Response:
    job = await _job(request, who, job_id, "read")
    part = next((f for f in job.state.files if f.name == file_name), None) if job.status == "completed" else None
    if part is None:
        raise not_found(f"Export job {job_id} has no file {file_name!r}")
    path = job_folder(request.app.state.settings, job_id) / part.name
    if not path.is_file():
        raise not_found(f"The file {file_name!r} of export job {job_id} is no longer there")
    await audit(request, who, "read", part.type if part.type != ERROR_TYPE else None,
                query=f"$export job {job_id} file {file_name}: {part.count} resources")
    return StreamingResponse(_prefix(path, part.bytes), media_type=NDJSON,
                             headers={"Content-Length": str(part.bytes)})


def _prefix(path: Path, size: int) -> Iterator[bytes]:
    """The file's first `size` bytes: what the job checkpointed (a writer that lost its lease may
    have appended more before it noticed)."""
    left = size
    with path.open("rb") as handle:
        while left > 0:
            block = handle.read(min(_BLOCK, left))
            if not block:
                return
            left -= len(block)
            yield block


def openapi_paths() -> dict[str, Any]:
    """The status and file URLs, for the OpenAPI document."""
    job = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    name = {"name": "file_name", "in": "path", "required": True, "schema": {"type": "string"}}
    errors = {code: {"$ref": f"#/components/responses/Error{code}"} for code in ("401", "403", "404")}
    tag = ["bulk export"]
    return {
        "/fhir/_export/{job_id}": {
            "get": {"tags": tag, "summary": "Export job status", "operationId": "exportStatus", "parameters": [job],
                    "responses": {
                        "200": {"description": "Complete: the manifest (transactionTime, request, "
                                "requiresAccessToken, output, error)",
                                "content": {"application/json": {"schema": {"type": "object"}}}},
                        "202": {"description": "In progress", "headers": {
                            "X-Progress": {"schema": {"type": "string"}},
                            "Retry-After": {"schema": {"type": "string"}}}},
                        "500": {"description": "The export failed: an OperationOutcome says why",
                                "content": {"application/fhir+json": {
                                    "schema": {"$ref": "#/components/schemas/OperationOutcome"}}}},
                        **errors}},
            "delete": {"tags": tag, "summary": "Cancel an export (and remove its files)",
                       "operationId": "exportCancel", "parameters": [job],
                       "responses": {"202": {"description": "Cancelled"}, **errors}},
        },
        "/fhir/_export/{job_id}/{file_name}": {
            "get": {"tags": tag, "summary": "Download one NDJSON file of a completed export",
                    "operationId": "exportFile", "parameters": [job, name],
                    "responses": {"200": {"description": "NDJSON, one resource per line",
                                          "content": {NDJSON: {"schema": {"type": "string"}}}},
                                  **errors}},
        },
    }
