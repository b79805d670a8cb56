"""What the Omaha operations share: reading a resource POSTed on its own or inside Parameters, the
FHIR base URL for response Bundles, and turning a broken assessment rule into a 422."""

from __future__ import annotations

from typing import Any

from adapters.omaha.rules import AssessmentInvalid
from gateway.limits.json_input import parse_json
from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall
from gateway.outcomes import FhirError, bad_request, not_allowed


def fhir_base(call: OperationCall) -> str:
    return call.request.app.state.settings.base_url.rstrip("/") + "/fhir"  # type: ignore[no-any-return]


def require_post(call: OperationCall) -> None:
    if call.request.method != "POST":
        raise not_allowed(f"${call.name} changes data: use POST")


async def posted_resource(call: OperationCall, definition: dict[str, Any], name: str, res_type: str) -> Any:
    """The `res_type` resource POSTed as the body, or as the Parameters part `name`; 400 when neither."""
    raw = await call.request.body()
    if not raw:
        raise bad_request(f"${call.name} needs a {res_type} (POST it, or a Parameters with '{name}')")
    body = parse_json(raw, call.request.app.state.settings.max_json_depth)
    if isinstance(body, dict) and body.get("resourceType") == res_type:
        return body
    values = (await read_parameters(call.request, definition)).get(name) or []
    if not values or not isinstance(values[0], dict):
        raise bad_request(f"${call.name} needs a {res_type} (POST it, or a Parameters with '{name}')", [name])
    return values[0]


def rule_violations(exc: AssessmentInvalid) -> FhirError:
    """422 with one issue per item at fault (each issue's expression names it)."""
    return FhirError(exc.operation_outcome(), 422)
