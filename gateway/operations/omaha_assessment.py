"""`Patient/{id}/$omaha-assessment`: submit a completed integrated assessment; every Condition,
rating Observation and care plan activity it implies is written in one transaction.

Answers 200 with Parameters: `return` (the transaction-response Bundle: the stored response,
then each Condition, Observation and the CarePlan) and one `change` per thing that changed
(see gateway/assessments/README.md). Broken rules: 422, one issue per item at fault.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from adapters.omaha.rules import AssessmentInvalid
from gateway.assessments.parameters import write_result
from gateway.assessments.service import submit_assessment
from gateway.operations.omaha_input import fhir_base, posted_resource, require_post, rule_violations
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.responses import FhirResponse
from gateway.security import audit, authorized, write_context

WRITES = ("QuestionnaireResponse", "Condition", "Observation", "CarePlan")

DEFINITION = load_definition("Patient-omaha-assessment")


@operation("omaha-assessment", {"instance"}, {"Patient"}, DEFINITION)
async def omaha_assessment(call: OperationCall) -> Response:
    assert call.res_id is not None
    require_post(call)
    authorized(call.caller, "read", "Patient")
    for res_type in WRITES:
        authorized(call.caller, "create", res_type)
        authorized(call.caller, "update", res_type)
    qr = await posted_resource(call, DEFINITION, "response", "QuestionnaireResponse")
    try:
        submission = await run_in_threadpool(submit_assessment, call.request.app.state.repo, call.res_id, qr,
                                             call.caller.principal.user, write_context(call.caller, "assessment"))
    except AssessmentInvalid as exc:
        raise rule_violations(exc) from None
    await audit(call.request, call.caller, "operation", "Patient", call.res_id, query="$omaha-assessment")
    return FhirResponse(write_result(submission.bundle(fhir_base(call)), submission.deltas))
