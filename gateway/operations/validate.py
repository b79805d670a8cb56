"""`$validate`: check a resource against the R4 models without storing it.

See https://hl7.org/fhir/R4/resource-operation-validate.html
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.outcomes import FhirError, bad_request, ok
from gateway.responses import FhirResponse
from gateway.security import audit, authorized
from gateway.validation import validate_resource

DEFINITION = load_definition("Resource-validate")


@operation("validate", {"type", "instance"}, None, DEFINITION)
async def validate(call: OperationCall) -> Response:
    """Answer 200 with an informational OperationOutcome when valid, else the issues found."""
    assert call.res_type is not None
    authorized(call.caller, "read", call.res_type)
    params = await read_parameters(call.request, DEFINITION)
    resources = params.get("resource") or []
    if not resources:
        raise bad_request("$validate needs a resource (POST it, or in a Parameters 'resource')")
    try:
        await run_in_threadpool(validate_resource, resources[0], call.res_type)
    except FhirError as exc:
        await audit(call.request, call.caller, "operation", call.res_type, call.res_id, query="$validate",
                    status=exc.status)
        # The validation ran, so the operation succeeded: the outcome carries the errors.
        return FhirResponse(exc.outcome, status_code=200)
    await audit(call.request, call.caller, "operation", call.res_type, call.res_id, query="$validate")
    return FhirResponse(ok(f"The {call.res_type} is valid against the FHIR R4 base definitions"))
