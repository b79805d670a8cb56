"""`Patient/{id}/$omaha-suggestions`: Omaha problems suggested from the person's other records
(SystmOne problems, Liquidlogic Care Act outcomes and Primary Support Reasons), each with the
record and code map behind it; and a person's decision on one.

GET answers Parameters with one `suggestion` per open suggestion. POST with `action` confirm or
dismiss, `problem` and `source` records the decision: confirm writes the problem Condition and a
Provenance citing the source record, dismiss writes a Basic so the same record does not suggest
the same problem again. POST answers Parameters: `return` (a transaction-response Bundle of what
was written) and, for a confirmation, `change`s.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.assessments.parameters import suggestions_result, write_result
from gateway.assessments.suggestions import decide, person_suggestions
from gateway.operations.omaha_input import fhir_base
from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.outcomes import bad_request
from gateway.responses import FhirResponse
from gateway.security import audit, authorized, write_context

READS = ("Patient", "Condition", "Observation", "Basic")
WRITES = {"confirm": ("Condition", "Provenance"), "dismiss": ("Basic",)}


def _param(name: str, kind: str | None, doc: str, use: str = "in", max_: str = "1") -> dict[str, Any]:
    """A parameter; `kind` None for one made of parts."""
    out = {"name": name, "use": use, "min": 0, "max": max_, "documentation": doc}
    return out | ({"type": kind} if kind else {})


DEFINITION = load_definition("Patient-omaha-suggestions")


def _text(value: Any, key: str) -> str | None:
    """A code or reference given as a primitive, a Coding (`code`) or a Reference (`reference`)."""
    if isinstance(value, dict):
        value = value.get(key)
    return str(value) if value not in (None, "") else None


def _one(params: dict[str, list[Any]], name: str, key: str = "code", default: str | None = None) -> str:
    values = params.get(name) or []
    found = _text(values[0], key) if values else default
    if found is None:
        raise bad_request(f"$omaha-suggestions POST needs the parameter {name!r}", [name])
    return found


@operation("omaha-suggestions", {"instance"}, {"Patient"}, DEFINITION)
async def omaha_suggestions(call: OperationCall) -> Response:
    assert call.res_id is not None
    repo = call.request.app.state.repo
    for res_type in READS:
        authorized(call.caller, "read", res_type)
    if call.request.method == "GET":
        found = await run_in_threadpool(person_suggestions, repo, call.res_id)
        await audit(call.request, call.caller, "operation", "Patient", call.res_id, query="$omaha-suggestions")
        return FhirResponse(suggestions_result(found))
    params = await read_parameters(call.request, DEFINITION)
    action = _one(params, "action")
    for res_type in WRITES.get(action, ()):
        authorized(call.caller, "create", res_type)
        authorized(call.caller, "update", res_type)
    decision = await run_in_threadpool(
        decide, repo, call.res_id, action, _one(params, "problem"), _one(params, "source", "reference"),
        call.caller.principal.user, _one(params, "scope", default="individual"),
        _one(params, "severity", default="potential"), None, None, write_context(call.caller, "assessment"),
    )
    await audit(call.request, call.caller, "operation", "Patient", call.res_id, query=f"$omaha-suggestions {action}")
    return FhirResponse(write_result(decision.bundle(fhir_base(call)), decision.deltas))
