"""Operation dispatch: each `$op` module registers a handler with its OperationDefinition (data).

To add one: put its OperationDefinition in `definitions/<id>.json`, write a module with an
`@operation(name, levels, types, load_definition(id))` handler, list it in `OPERATION_MODULES` below,
and regenerate openapi.yaml (`gateway openapi`); the CapabilityStatement and the OpenAPI document
pick it up from the registry. One name may be registered more than once, at different levels and
types with a definition each (as Bulk Data's `$export` is: system, Patient and Group).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.responses import Response

from gateway.outcomes import FhirError, outcome
from gateway.request_context import Caller

Handler = Callable[["OperationCall"], Awaitable[Response]]
DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

# Modules that register operations when imported.
OPERATION_MODULES = (
    "gateway.operations.validate",
    "gateway.operations.terminology_ops",
    "gateway.operations.omaha_assessment",
    "gateway.operations.omaha_extract",
    "gateway.operations.omaha_suggestions",
    "gateway.operations.omaha_trend",
    "gateway.operations.everything",
    "gateway.subscriptions.operations",
    "gateway.export.operation",
)


def load_definition(definition_id: str) -> dict[str, Any]:
    """The OperationDefinition `definitions/<id>.json`: data, like the spec's own definitions, so
    the handler module holds only the handler and its parameters are declared in one place."""
    definition: dict[str, Any] = json.loads((DEFINITIONS_DIR / f"{definition_id}.json").read_text(encoding="utf-8"))
    if definition.get("resourceType") != "OperationDefinition" or definition.get("id") != definition_id:
        raise ValueError(f"{definition_id}.json is not the OperationDefinition {definition_id!r}")
    return definition


@dataclass(slots=True)
class OperationCall:
    """Everything a handler needs: the request, the caller, where it was invoked."""

    request: Request
    caller: Caller
    name: str
    res_type: str | None
    res_id: str | None


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    levels: frozenset[str]  # "system", "type", "instance"
    types: frozenset[str] | None  # None: any resource type
    handler: Handler
    definition: dict[str, Any]  # OperationDefinition, served in the CapabilityStatement
    # The OpenAPI operation object's parameters and responses, when the defaults (POST a Parameters
    # resource, 200 with the result) do not describe it; `get` also documents the GET form.
    openapi: dict[str, Any] | None = None


_OPERATIONS: dict[str, list[Operation]] = {}


def operation(name: str, levels: set[str], types: set[str] | None, definition: dict[str, Any],
              openapi: dict[str, Any] | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of `$name` at `levels` on `types` (None: any)."""

    def register(handler: Handler) -> Handler:
        op = Operation(name, frozenset(levels), frozenset(types) if types else None, handler, definition, openapi)
        registered = _OPERATIONS.setdefault(name, [])
        registered[:] = [o for o in registered if o.definition.get("url") != definition.get("url")]
        registered.append(op)
        return handler

    return register


def all_operations() -> list[Operation]:
    for module in OPERATION_MODULES:
        import_module(module)
    return sorted((op for ops in _OPERATIONS.values() for op in ops), key=lambda op: (op.name, op.definition["url"]))


def _matches(op: Operation, level: str, res_type: str | None) -> bool:
    return level in op.levels and not (res_type and op.types is not None and res_type not in op.types)


async def run_operation(request: Request, who: Caller, name: str, res_type: str | None, res_id: str | None) -> Response:
    all_operations()
    level = "instance" if res_id else ("type" if res_type else "system")
    op = next((o for o in _OPERATIONS.get(name, ()) if _matches(o, level, res_type)), None)
    if op is None:
        where = "/".join(p for p in (res_type, res_id) if p) or "the system level"
        raise FhirError(outcome("error", "not-supported", f"Operation ${name} is not supported on {where}"), 404)
    return await op.handler(OperationCall(request, who, name, res_type, res_id))
