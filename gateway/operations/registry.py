"""Operation dispatch: each `$op` module registers a handler with its OperationDefinition (data).

To add one: put its OperationDefinition in `definitions/<id>.json`, write a module with an
`@operation(name, levels, types, load_definition(id))` handler, list it in `OPERATION_MODULES` below,
and regenerate openapi.yaml (`gateway openapi`); the CapabilityStatement and the OpenAPI document
pick it up from the registry.
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


_OPERATIONS: dict[str, Operation] = {}


def operation(name: str, levels: set[str], types: set[str] | None,
              definition: dict[str, Any]) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of `$name`."""

    def register(handler: Handler) -> Handler:
        _OPERATIONS[name] = Operation(name, frozenset(levels), frozenset(types) if types else None, handler, definition)
        return handler

    return register


def all_operations() -> list[Operation]:
    for module in OPERATION_MODULES:
        import_module(module)
    return sorted(_OPERATIONS.values(), key=lambda op: op.name)


async def run_operation(request: Request, who: Caller, name: str, res_type: str | None, res_id: str | None) -> Response:
    all_operations()
    op = _OPERATIONS.get(name)
    level = "instance" if res_id else ("type" if res_type else "system")
    if op is None or level not in op.levels or (res_type and op.types is not None and res_type not in op.types):
        where = "/".join(p for p in (res_type, res_id) if p) or "the system level"
        raise FhirError(outcome("error", "not-supported", f"Operation ${name} is not supported on {where}"), 404)
    return await op.handler(OperationCall(request, who, name, res_type, res_id))
