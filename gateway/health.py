"""Liveness and readiness probes, outside FHIR and outside auth (load balancers call them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway.storage.migrate import DatabaseBehind, require_current

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """The database answers, is migrated to the code's schema, and every background worker is running."""
    try:
        await run_in_threadpool(require_current, request.app.state.repo.db.reader)
    except DatabaseBehind as exc:
        return JSONResponse({"status": "not ready", "reason": str(exc)}, status_code=503)
    except Exception:  # noqa: BLE001 - any database failure means not ready
        return JSONResponse({"status": "not ready", "reason": "database unreachable"}, status_code=503)
    ops = getattr(request.app.state, "operations", None)
    stopped = sorted(name for name, alive in (ops.workers.items() if ops else ()) if not alive())
    if stopped:
        return JSONResponse({"status": "not ready", "reason": f"workers not running: {', '.join(stopped)}"},
                            status_code=503)
    return JSONResponse({"status": "ready"})
