"""Validate incoming resources with the fhir.resources R4B models before anything is stored.

An invalid resource becomes an OperationOutcome whose issues point at the failing elements
(FHIRPath-style expressions such as `Patient.name[0].given`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from gateway.bindings import binding_errors
from gateway.outcomes import FhirError, bad_request

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@lru_cache(maxsize=256)
def _model(resource_type: str) -> Any:
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None


def is_resource_type(name: str) -> bool:
    """True when `name` is an R4 resource type the models know."""
    return bool(name) and name[0].isupper() and _model(name) is not None


def check_id(res_id: str) -> None:
    """FHIR ids: 1-64 of A-Z a-z 0-9 - . (https://hl7.org/fhir/R4/datatypes.html#id), except `.` and
    `..`, which the id pattern allows but every URL resolver reads as a path step (RFC 3986 5.2.4)."""
    if not _ID.match(res_id) or res_id in (".", ".."):
        raise bad_request(f"'{res_id}' is not a valid FHIR id (1-64 letters, digits, '-' or '.')", ["id"])


def _expression(resource_type: str, loc: tuple[Any, ...]) -> str:
    out = resource_type
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before", "function-wrap") or str(part).startswith("function"):
            continue
        else:
            out += f".{part}"
    return out


def validate_resource(resource: Any, expected_type: str | None = None) -> str:
    """Check `resource` is a valid R4 resource (of `expected_type` if given); return its type."""
    if not isinstance(resource, dict):
        raise bad_request("The body must be a FHIR resource (a JSON object)")
    res_type = resource.get("resourceType")
    if not isinstance(res_type, str) or not res_type:
        raise bad_request("The resource has no resourceType", ["resourceType"])
    if expected_type is not None and res_type != expected_type:
        raise bad_request(f"resourceType {res_type!r} does not match the URL's type {expected_type!r}",
                          ["resourceType"])
    model = _model(res_type)
    if model is None:
        raise FhirError(
            {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "not-supported",
                           "diagnostics": f"Unknown resource type {res_type!r}"}],
            },
            400,
        )
    if "id" in resource and resource["id"] is not None:
        if not isinstance(resource["id"], str):
            raise bad_request("id must be a string", [f"{res_type}.id"])
        check_id(resource["id"])
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        issues = []
        for err in exc.errors()[:50]:
            expr = _expression(res_type, tuple(err.get("loc", ())))
            msg = str(err.get("msg", "invalid value"))
            issues.append(
                {"severity": "error", "code": "structure" if "extra" in err.get("type", "") else "value",
                 "diagnostics": f"{expr}: {msg}", "expression": [expr]}
            )
        raise FhirError({"resourceType": "OperationOutcome", "issue": issues}, 422) from None
    except (ValueError, TypeError) as exc:
        raise FhirError(
            {"resourceType": "OperationOutcome",
             "issue": [{"severity": "error", "code": "structure", "diagnostics": f"{res_type}: {exc}"}]},
            422,
        ) from None
    wrong_codes = binding_errors(resource)
    if wrong_codes:
        issues = [{"severity": "error", "code": "code-invalid", "diagnostics": f"{expr}: {msg}", "expression": [expr]}
                  for expr, msg in wrong_codes[:50]]
        raise FhirError({"resourceType": "OperationOutcome", "issue": issues}, 422)
    return res_type
