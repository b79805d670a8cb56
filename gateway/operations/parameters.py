"""Read an operation's input parameters from a GET query or a POSTed Parameters resource,
checked against the operation's declared parameters."""

from __future__ import annotations

from typing import Any

import orjson

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
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise bad_request(f"The body is not valid JSON: {exc}") from None
            if isinstance(body, dict) and body.get("resourceType") == "Parameters":
                for param in body.get("parameter") or []:
                    value = param.get("resource")
                    if value is None:
                        value = next((v for k, v in param.items() if k.startswith("value")), None)
                    values.setdefault(param.get("name", ""), []).append(value)
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
