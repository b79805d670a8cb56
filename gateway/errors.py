"""Every error becomes an OperationOutcome with the right status; no stack trace reaches a client.

One place renders: `FhirError` raised anywhere, framework errors (unknown route, wrong method,
bad parameters), and anything unexpected (logged here with its trace, answered with a 500
OperationOutcome that carries only a reference for the logs).
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.limits.budget import current_budget, stopped_by_budget
from gateway.outcomes import FhirError, outcome
from gateway.responses import FhirResponse

log = logging.getLogger("gateway.errors")

_HTTP_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
    406: "not-supported", 409: "conflict", 410: "deleted", 412: "conflict", 413: "too-costly",
    415: "not-supported", 422: "processing", 429: "throttled", 503: "transient",
}


async def _audit_failure(request: Request, status: int) -> None:
    hook = getattr(request.app.state, "audit_failure", None)
    if hook is not None:
        await hook(request, status)


async def fhir_error(request: Request, exc: Exception) -> FhirResponse:
    assert isinstance(exc, FhirError)
    await _audit_failure(request, exc.status)
    return FhirResponse(exc.outcome, status_code=exc.status, headers=exc.headers)


async def http_error(request: Request, exc: Exception) -> FhirResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    text = str(exc.detail) if exc.detail else "error"
    if status == 404 and text == "Not Found":
        text = f"No endpoint at {request.method} {request.url.path}"
    if status == 405:
        text = f"{request.method} is not supported at {request.url.path}"
    await _audit_failure(request, status)
    return FhirResponse(outcome("error", _HTTP_CODES.get(status, "exception"), text), status_code=status,
                        headers=getattr(exc, "headers", None))


async def validation_error(request: Request, exc: Exception) -> FhirResponse:
    assert isinstance(exc, RequestValidationError)
    issues = []
    for err in exc.errors()[:20]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        issues.append({"severity": "error", "code": "invalid", "diagnostics": f"{where}: {err.get('msg')}",
                       "expression": [where]})
    await _audit_failure(request, 400)
    return FhirResponse({"resourceType": "OperationOutcome", "issue": issues}, status_code=400)


async def database_error(request: Request, exc: Exception) -> FhirResponse:
    """A statement stopped by the request's budget (time ran out, or the client left) is a 503 the
    client can act on; any other database failure is unexpected."""
    if not stopped_by_budget(exc):
        return await unexpected_error(request, exc)
    budget = current_budget.get()
    limit = f"{budget.timeout_ms} ms" if budget is not None else "its time limit"
    await _audit_failure(request, 503)
    return FhirResponse(outcome("error", "timeout", f"The request's database work ran past {limit} and was stopped "
                                "(GATEWAY_REQUEST_DB_TIMEOUT_MS): narrow the search or page through it"),
                        status_code=503, headers={"Retry-After": "5"})


async def unexpected_error(request: Request, exc: Exception) -> FhirResponse:
    ref = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", ref, request.method, request.url.path)
    await _audit_failure(request, 500)
    return FhirResponse(
        outcome("error", "exception", f"The server could not complete the request (reference {ref})"),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, fhir_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(Exception, unexpected_error)
