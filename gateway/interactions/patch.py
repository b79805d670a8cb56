"""JSON Patch (RFC 6902) on a resource. See https://hl7.org/fhir/R4/http.html#patch"""

from __future__ import annotations

from typing import Any

import jsonpatch
import orjson

from gateway.outcomes import bad_request, unprocessable
from gateway.repository.base import FhirJson


def apply_patch(current_text: str, operations: Any) -> FhirJson:
    """The patched resource; id, resourceType and meta.versionId may not be patched away."""
    if not isinstance(operations, list):
        raise bad_request("A JSON Patch body is an array of operations")
    current = orjson.loads(current_text)
    patched = current
    for index, op in enumerate(operations):
        where = f"operation {index}"
        if isinstance(op, dict):
            where += f" ({op.get('op')} {op.get('path')})"
        try:
            patched = jsonpatch.JsonPatch([op]).apply(patched)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
            # The library's message can embed the whole document; name the operation instead.
            raise unprocessable(f"The patch's {where} could not be applied to the resource") from None
        except (TypeError, KeyError, ValueError, AttributeError):
            raise bad_request(f"The patch's {where} is malformed (RFC 6902 needs op, path and value)") from None
    if patched.get("resourceType") != current["resourceType"] or patched.get("id") != current["id"]:
        raise unprocessable("A patch may not change resourceType or id")
    result: dict[str, Any] = patched
    return result
