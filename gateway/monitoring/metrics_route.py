"""`GET /metrics` in Prometheus's text format, for the area IT team's scraper.

Protected, because the figures say how busy each feed is: a scraper presents the configured
`GATEWAY_METRICS_TOKEN` as a bearer token (compared in constant time); without that setting only
an administrator's gateway token opens it. Errors are OperationOutcomes like everywhere else.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.auth.principal import authenticate
from gateway.outcomes import forbidden, unauthorized

router = APIRouter()


def _check_access(request: Request) -> None:
    header = request.headers.get("authorization") or ""
    token = request.app.state.settings.metrics_token
    if token:
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return
    if not header:
        raise unauthorized("/metrics needs 'Authorization: Bearer <GATEWAY_METRICS_TOKEN or an admin token>'")
    principal = authenticate(header, request.app.state.verifier)
    if principal.role != "admin":
        raise forbidden(f"{principal.user} may not read /metrics: it needs the admin role or the metrics token")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The gateway's Prometheus metrics (request figures of this process, store figures of all)."""
    _check_access(request)
    registry: CollectorRegistry = request.app.state.metrics_registry
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
