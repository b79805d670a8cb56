"""Read an operation's input parameters from a GET query or a POSTed Parameters resource,
checked against the operation's declared parameters."""

from __future__ import annotations

from typing import Any

from gateway.limits.json_input import parse_json
from gateway.outcomes import bad_request


async def read_parameters(request: Any, definition: dict[str, Any]) -> dict[str, list[Any]]:
    """Name -> values. Primitive values come back as strings (GET) or their JSON value (POST);
    `resource` parameters as dicts. Unknown names and missing required ones are 400s."""
    declared = {p["name"]: p for p in definition.get("parameter", []) if p.get("use") == "in"}
    values: dict[str, list[Any]] = {}
    if request.method == "GET":
        for key, value in request.query_params.multi_items():
            values.setdefault(key, []).append(value)
    else:
        raw = await request.body()
        if raw:
            body = parse_json(raw, request.app.state.settings.max_json_depth)
            if isinstance(body, dict) and body.get("resourceType") == "Parameters":
                for param in _parts(body):
                    value = param.get("resource")
                    if value is None:
                        value = next((v for k, v in param.items() if k.startswith("value")), None)
                    values.setdefault(str(param.get("name", "")), []).append(value)
            elif isinstance(body, dict) and "resourceType" in body and "resource" in declared:
                values["resource"] = [body]
            else:
                raise bad_request("POST an operation with a Parameters resource")
        for key, value in request.query_params.multi_items():
            values.setdefault(key, []).append(value)
    for name in values:
        if name not in declared and not name.startswith("_"):
            raise bad_request(f"Unknown parameter {name!r} for ${definition.get('code')}", [name])
    for name, param in declared.items():
        if param.get("min", 0) > 0 and name not in values:
            raise bad_request(f"${definition.get('code')} needs the parameter {name!r}", [name])
    return values


def _parts(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """`Parameters.parameter`, each part an object (400 otherwise, rather than failing on it later)."""
    parts = parameters.get("parameter") or []
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise bad_request("Parameters.parameter must be a list of objects", ["Parameters.parameter"])
    return parts
