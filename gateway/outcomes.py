"""OperationOutcome builders and the one exception the whole gateway raises for client errors.

Code anywhere raises `FhirError(outcome)`; a single exception handler renders it with the status
`status_for` picks. Routes never build error bodies.
See https://hl7.org/fhir/R4/operationoutcome.html
"""

from __future__ import annotations

from typing import Any

OperationOutcome = dict[str, Any]

# Issue type -> HTTP status, for the issue types the gateway raises.
_STATUS_BY_CODE: dict[str, int] = {
    "invalid": 400,
    "structure": 400,
    "required": 400,
    "value": 400,
    "invariant": 400,
    "processing": 422,
    "business-rule": 422,
    "login": 401,
    "unknown": 401,
    "expired": 401,
    "security": 403,
    "forbidden": 403,
    "suppressed": 403,
    "not-found": 404,
    "deleted": 410,
    "not-supported": 405,
    "conflict": 409,
    "duplicate": 409,
    "multiple-matches": 412,
    "too-costly": 400,
    "exception": 500,
    "transient": 503,
    "timeout": 503,
    "informational": 200,
}


def outcome(
    severity: str,
    code: str,
    text: str,
    expression: list[str] | None = None,
    details_code: str | None = None,
) -> OperationOutcome:
    """An OperationOutcome with one issue."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if text:
        issue["details"] = {"text": text}
        if details_code:
            issue["details"]["coding"] = [
                {"system": "https://care-gateway.example/fhir/CodeSystem/gateway-errors", "code": details_code}
            ]
    if expression:
        issue["expression"] = expression
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def status_for(oo: OperationOutcome) -> int:
    """The HTTP status for an outcome: that of its first error issue (errors outrank warnings)."""
    issues = oo.get("issue") or []
    ranked = sorted(issues, key=lambda i: 0 if i.get("severity") in ("fatal", "error") else 1)
    if not ranked:
        return 200
    first = ranked[0]
    if first.get("severity") not in ("fatal", "error"):
        return 200
    return _STATUS_BY_CODE.get(first.get("code", "exception"), 400)


class FhirError(Exception):
    """A client-visible failure, carried as an OperationOutcome with an explicit status."""

    def __init__(self, oo: OperationOutcome, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(oo["issue"][0].get("diagnostics", "error") if oo.get("issue") else "error")
        self.outcome = oo
        self.status = status if status is not None else status_for(oo)
        self.headers = headers or {}


def bad_request(text: str, expression: list[str] | None = None) -> FhirError:
    return FhirError(outcome("error", "invalid", text, expression), 400)


def unprocessable(text: str, expression: list[str] | None = None, code: str = "processing") -> FhirError:
    return FhirError(outcome("error", code, text, expression), 422)


def not_found(text: str) -> FhirError:
    return FhirError(outcome("error", "not-found", text), 404)


def gone(text: str) -> FhirError:
    return FhirError(outcome("error", "deleted", text), 410)


def conflict(text: str) -> FhirError:
    return FhirError(outcome("error", "conflict", text), 409)


def precondition_failed(text: str) -> FhirError:
    return FhirError(outcome("error", "conflict", text), 412)


def not_allowed(text: str) -> FhirError:
    return FhirError(outcome("error", "not-supported", text), 405)


def unauthorized(text: str) -> FhirError:
    return FhirError(outcome("error", "login", text), 401, {"WWW-Authenticate": 'Bearer realm="fhir"'})


def forbidden(text: str) -> FhirError:
    return FhirError(outcome("error", "forbidden", text), 403)


def ok(text: str) -> OperationOutcome:
    return outcome("information", "informational", text)


def too_costly(text: str, expression: list[str] | None = None) -> FhirError:
    """A request asking for more than the gateway's limits allow (400, issue type too-costly)."""
    return FhirError(outcome("error", "too-costly", text, expression), 400)


def too_large(text: str) -> FhirError:
    """A body or Bundle bigger than the gateway accepts (413)."""
    return FhirError(outcome("error", "too-costly", text), 413)


def timed_out(text: str) -> FhirError:
    """Work stopped because it ran past its time limit (503, issue type timeout)."""
    return FhirError(outcome("error", "timeout", text), 503)
