"""`CodeSystem/$lookup`, `ValueSet/$expand` and `ConceptMap/$translate` over the terminology the
gateway publishes from `mappings/`.

See https://hl7.org/fhir/R4/codesystem-operation-lookup.html,
https://hl7.org/fhir/R4/valueset-operation-expand.html and
https://hl7.org/fhir/R4/conceptmap-operation-translate.html
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, operation
from gateway.outcomes import bad_request
from gateway.responses import FhirResponse
from gateway.security import audit, authorized
from gateway.terminology.expand import expand
from gateway.terminology.lookup import lookup
from gateway.terminology.translate import translate


def _definition(res_type: str, code: str, params: list[tuple[str, str, int]]) -> dict[str, Any]:
    return {
        "resourceType": "OperationDefinition", "id": f"{res_type}-{code}",
        "url": f"http://hl7.org/fhir/OperationDefinition/{res_type}-{code}", "name": code.title(),
        "status": "active", "kind": "operation", "code": code, "resource": [res_type],
        "system": False, "type": True, "instance": True,
        "parameter": [{"name": n, "use": "in", "min": m, "max": "1", "type": t} for n, t, m in params]
        + [{"name": "return", "use": "out", "min": 1, "max": "1", "type": "Parameters"}],
    }


LOOKUP = _definition("CodeSystem", "lookup", [("code", "code", 0), ("system", "uri", 0), ("version", "string", 0),
                                               ("coding", "Coding", 0), ("property", "code", 0)])
EXPAND = _definition("ValueSet", "expand", [("url", "uri", 0), ("valueSet", "ValueSet", 0), ("filter", "string", 0),
                                             ("count", "integer", 0), ("offset", "integer", 0)])
TRANSLATE = _definition("ConceptMap", "translate", [("url", "uri", 0), ("code", "code", 0), ("system", "uri", 0),
                                                     ("coding", "Coding", 0), ("source", "uri", 0),
                                                     ("target", "uri", 0), ("targetsystem", "uri", 0)])


def _one(params: dict[str, list[Any]], name: str) -> Any:
    values = params.get(name) or []
    return values[0] if values else None


async def _stored_url(call: OperationCall) -> str | None:
    """For instance-level calls, the canonical url of the stored resource."""
    if not call.res_id:
        return None
    stored = await run_in_threadpool(call.request.app.state.repo.read, call.res_type, call.res_id)
    url: str | None = orjson.loads(stored.content or "{}").get("url")
    return url


@operation("lookup", {"type", "instance"}, {"CodeSystem"}, LOOKUP)
async def lookup_op(call: OperationCall) -> Response:
    authorized(call.caller, "read", "CodeSystem")
    params = await read_parameters(call.request, LOOKUP)
    coding = _one(params, "coding") or {}
    system = _one(params, "system") or coding.get("system") or await _stored_url(call)
    code = _one(params, "code") or coding.get("code")
    result = lookup(system, code, _one(params, "version"), params.get("property"))
    await audit(call.request, call.caller, "operation", "CodeSystem", call.res_id, query=f"$lookup {system}|{code}")
    return FhirResponse(result)


@operation("expand", {"type", "instance"}, {"ValueSet"}, EXPAND)
async def expand_op(call: OperationCall) -> Response:
    authorized(call.caller, "read", "ValueSet")
    params = await read_parameters(call.request, EXPAND)
    target = _one(params, "valueSet") or _one(params, "url") or await _stored_url(call)
    if not target:
        raise bad_request("$expand needs a url or a valueSet")
    count, offset = _one(params, "count"), _one(params, "offset")
    try:
        result = expand(target, _one(params, "filter"), int(count) if count is not None else None,
                        int(offset) if offset is not None else 0)
    except (TypeError, ValueError):  # a Parameters value that is not a number at all, e.g. an object
        raise bad_request("count and offset must be whole numbers") from None
    await audit(call.request, call.caller, "operation", "ValueSet", call.res_id, query="$expand")
    return FhirResponse(result)


@operation("translate", {"type", "instance"}, {"ConceptMap"}, TRANSLATE)
async def translate_op(call: OperationCall) -> Response:
    authorized(call.caller, "read", "ConceptMap")
    params = await read_parameters(call.request, TRANSLATE)
    coding = _one(params, "coding") or {}
    url = _one(params, "url") or await _stored_url(call)
    result = translate(_one(params, "code") or coding.get("code"), _one(params, "system") or coding.get("system"),
                       url=url, source=_one(params, "source"),
                       target=_one(params, "targetsystem") or _one(params, "target"))
    await audit(call.request, call.caller, "operation", "ConceptMap", call.res_id, query="$translate")
    return FhirResponse(result)
