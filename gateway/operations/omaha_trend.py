"""`Patient/{id}/$omaha-trend`: the outcome measure. Per Omaha problem, the Knowledge, Behavior
and Status ratings over time, so the team and the pages can see whether the person is improving.

Answers Parameters with one `problem` per rated problem: parts `problem` (Coding), `condition`
(Reference), one `rating` per date (parts `date`, `knowledge`, `behavior`, `status`), oldest first,
and, with two or more dates, `change` (latest minus first per scale; positive is better).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.assessments.parameters import trend_result
from gateway.assessments.view import person_trend
from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.responses import FhirResponse
from gateway.security import audit, authorized

DEFINITION = load_definition("Patient-omaha-trend")


@operation("omaha-trend", {"instance"}, {"Patient"}, DEFINITION)
async def omaha_trend(call: OperationCall) -> Response:
    assert call.res_id is not None
    for res_type in ("Patient", "Condition", "Observation"):
        authorized(call.caller, "read", res_type)
    await read_parameters(call.request, DEFINITION)  # rejects parameters it does not take
    trends = await run_in_threadpool(person_trend, call.request.app.state.repo, call.res_id)
    await audit(call.request, call.caller, "operation", "Patient", call.res_id, query="$omaha-trend")
    return FhirResponse(trend_result(trends))
