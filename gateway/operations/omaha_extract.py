"""`QuestionnaireResponse/$extract` (SDC): the transaction Bundle a completed Omaha assessment
implies, merged with what the person has on record, without writing anything.

See https://hl7.org/fhir/uv/sdc/OperationDefinition-QuestionnaireResponse-extract.html
"""

from __future__ import annotations

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from adapters.omaha.rules import AssessmentInvalid
from gateway.assessments.service import extract_only
from gateway.operations.omaha_input import posted_resource, rule_violations
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.responses import FhirResponse
from gateway.security import audit, authorized

DEFINITION = load_definition("QuestionnaireResponse-extract")


@operation("extract", {"type", "instance"}, {"QuestionnaireResponse"}, DEFINITION)
async def extract_op(call: OperationCall) -> Response:
    authorized(call.caller, "read", "QuestionnaireResponse")
    for res_type in ("Patient", "Condition", "CarePlan"):
        authorized(call.caller, "read", res_type)
    repo = call.request.app.state.repo
    if call.res_id:
        stored = await run_in_threadpool(repo.read, "QuestionnaireResponse", call.res_id)
        qr = orjson.loads(stored.content or "{}")
    else:
        qr = await posted_resource(call, DEFINITION, "questionnaire-response", "QuestionnaireResponse")
    try:
        bundle = await run_in_threadpool(extract_only, repo, qr, call.caller.principal.user)
    except AssessmentInvalid as exc:
        raise rule_violations(exc) from None
    await audit(call.request, call.caller, "operation", "QuestionnaireResponse", call.res_id, query="$extract")
    return FhirResponse(bundle)
