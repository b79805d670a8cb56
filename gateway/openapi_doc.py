"""The OpenAPI document the app serves (and `openapi.yaml` commits): every FHIR interaction per
resource type, with its search parameters, bodies, headers and error responses, so a generic
OpenAPI client or fuzzer can call the API. Built from the same registries as the
CapabilityStatement."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import FastAPI

from gateway.export.routes import openapi_paths as export_paths
from gateway.operations.registry import all_operations
from gateway.resource_types import LOG_TYPES, READ_ONLY_TYPES, SERVED_TYPES
from gateway.search.registry import supported_params

_FHIR = "application/fhir+json"
_ERRORS = ("400", "401", "403", "404", "410", "412", "422")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{name}"}


def _ok(description: str, schema: str = "Resource") -> dict[str, Any]:
    return {"description": description, "content": {_FHIR: {"schema": _ref(f"schemas/{schema}")}}}


def _responses(ok_code: str, description: str, schema: str = "Resource") -> dict[str, Any]:
    out: dict[str, Any] = {ok_code: _ok(description, schema)}
    out.update({code: _ref(f"responses/Error{code}") for code in _ERRORS})
    return out


def _body(res_type: str) -> dict[str, Any]:
    schema = {"type": "object", "required": ["resourceType"],
              "properties": {"resourceType": {"type": "string", "enum": [res_type]}, "id": {"type": "string"}},
              "additionalProperties": True}
    return {"required": True, "content": {_FHIR: {"schema": schema}, "application/json": {"schema": schema}}}


_RESULT_PARAMS = ("_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total", "_cursor")
_LOG_RESULT_PARAMS = ("_count", "_sort", "_cursor")  # what AuditEvent search takes besides its parameters


def _search_params(res_type: str) -> list[dict[str, Any]]:
    results = _LOG_RESULT_PARAMS if res_type in LOG_TYPES else _RESULT_PARAMS
    params: list[dict[str, Any]] = [_ref(f"parameters/{name}") for name in ("_id", "_lastUpdated", *results)]
    for p in sorted(supported_params(res_type), key=lambda p: p.code):
        if p.code in ("_id", "_lastUpdated"):
            continue
        params.append({"name": p.code, "in": "query", "required": False, "schema": {"type": "string"},
                       "description": f"{p.type} search parameter ({p.url})"})
    return params


def _links(res_type: str) -> dict[str, Any]:
    """What a client (or a stateful fuzzer) can do next with the resource a create returned.
    See https://spec.openapis.org/oas/v3.1.0#link-object"""
    return {name: {"operationId": f"{name}{res_type}", "parameters": {"id": "$response.body#/id"}}
            for name in ("read", "update", "historyInstance", "delete")}


def _type_paths(res_type: str) -> dict[str, Any]:
    tag = [res_type]
    writable = res_type not in READ_ONLY_TYPES
    id_param = _ref("parameters/id")
    history = res_type not in LOG_TYPES
    paths: dict[str, Any] = {
        f"/fhir/{res_type}": {
            "get": {"tags": tag, "summary": f"Search {res_type}", "operationId": f"search{res_type}",
                    "parameters": _search_params(res_type),
                    "responses": _responses("200", "searchset Bundle", "Bundle")},
        },
        f"/fhir/{res_type}/_search": {
            "post": {"tags": tag, "summary": f"Search {res_type} (form body)", "operationId": f"searchPost{res_type}",
                     "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}},
                     "responses": _responses("200", "searchset Bundle", "Bundle")},
        },
        f"/fhir/{res_type}/_history": {
            "get": {"tags": tag, "summary": f"History of all {res_type}", "operationId": f"historyType{res_type}",
                    "parameters": [_ref("parameters/_since"), _ref("parameters/_count"), _ref("parameters/_cursor")],
                    "responses": _responses("200", "history Bundle", "Bundle")},
        },
        f"/fhir/{res_type}/{{id}}": {
            "get": {"tags": tag, "summary": f"Read {res_type}", "operationId": f"read{res_type}",
                    "parameters": [id_param], "responses": _responses("200", res_type)},
        },
        f"/fhir/{res_type}/{{id}}/_history": {
            "get": {"tags": tag, "summary": f"History of one {res_type}", "operationId": f"historyInstance{res_type}",
                    "parameters": [id_param, _ref("parameters/_since"), _ref("parameters/_count")],
                    "responses": _responses("200", "history Bundle", "Bundle")},
        },
        f"/fhir/{res_type}/{{id}}/_history/{{vid}}": {
            "get": {"tags": tag, "summary": f"Read a version of {res_type}", "operationId": f"vread{res_type}",
                    "parameters": [id_param, _ref("parameters/vid")], "responses": _responses("200", res_type)},
        },
    }
    if not history:
        del paths[f"/fhir/{res_type}/_history"], paths[f"/fhir/{res_type}/{{id}}/_history"]
    if writable:
        prefer = [_ref("parameters/Prefer")]
        paths[f"/fhir/{res_type}"]["post"] = {
            "tags": tag, "summary": f"Create {res_type}", "operationId": f"create{res_type}",
            "parameters": [_ref("parameters/If-None-Exist"), *prefer], "requestBody": _body(res_type),
            "responses": {**_responses("201", "Created"), "200": _ok("An existing match (conditional create)")}}
        paths[f"/fhir/{res_type}"]["post"]["responses"]["201"]["links"] = _links(res_type)
        paths[f"/fhir/{res_type}"]["put"] = {
            "tags": tag, "summary": f"Conditional update {res_type}", "operationId": f"conditionalUpdate{res_type}",
            "parameters": [*prefer], "requestBody": _body(res_type), "responses": _responses("200", "Updated")}
        item = paths[f"/fhir/{res_type}/{{id}}"]
        item["put"] = {"tags": tag, "summary": f"Update {res_type}", "operationId": f"update{res_type}",
                       "parameters": [id_param, _ref("parameters/If-Match"), *prefer], "requestBody": _body(res_type),
                       "responses": {**_responses("200", "Updated"), "201": _ok("Created")}}
        item["patch"] = {"tags": tag, "summary": f"JSON Patch {res_type}", "operationId": f"patch{res_type}",
                         "parameters": [id_param, _ref("parameters/If-Match"), *prefer],
                         "requestBody": {"required": True, "content": {"application/json-patch+json": {
                             "schema": {"type": "array", "items": {"type": "object"}}}}},
                         "responses": _responses("200", "Patched")}
        item["delete"] = {"tags": tag, "summary": f"Delete {res_type}", "operationId": f"delete{res_type}",
                          "parameters": [id_param],
                          "responses": {"204": {"description": "Deleted"},
                                        **{c: _ref(f"responses/Error{c}") for c in _ERRORS}}}
    return paths


def _operation_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for op in all_operations():
        types = sorted(op.types) if op.types else ["{type}"]
        for res_type in types:
            for level in sorted(op.levels):
                if level == "system":
                    path = f"/fhir/${op.name}"
                elif level == "type":
                    path = f"/fhir/{res_type}/${op.name}"
                else:
                    path = f"/fhir/{res_type}/{{id}}/${op.name}"
                params: list[dict[str, Any]] = [_ref("parameters/id")] if "{id}" in path else []
                if "{type}" in path:
                    params.append({"name": "type", "in": "path", "required": True, "schema": {"type": "string"}})
                suffix = f"{level}{res_type.strip('{}').title()}{op.name.replace('-', '')}"
                own = op.openapi or {}
                post = {
                    "tags": ["operations"], "summary": f"${op.name} ({level})", "operationId": f"op{suffix}",
                    "parameters": [*params, *own.get("headers", [])],
                    "requestBody": {"content": {_FHIR: {"schema": _ref("schemas/Resource")}}},
                    "responses": own.get("responses") or _responses("200", "Operation result"),
                }
                paths.setdefault(path, {})["post"] = post
                if own.get("get"):
                    paths[path]["get"] = {**{k: v for k, v in post.items() if k != "requestBody"},
                                          "operationId": f"op{suffix}Get",
                                          "parameters": [*post["parameters"], *own.get("query", [])]}
    return paths


def _components() -> dict[str, Any]:
    def header(name: str, description: str) -> dict[str, Any]:
        return {"name": name, "in": "header", "required": False, "schema": {"type": "string"},
                "description": description}

    def query(name: str, description: str, kind: str = "string") -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": description}

    errors = {f"Error{code}": {"description": f"HTTP {code} with an OperationOutcome",
                               "content": {_FHIR: {"schema": _ref("schemas/OperationOutcome")}}} for code in _ERRORS}
    return {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {
            "Resource": {"type": "object", "required": ["resourceType"],
                         "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}}},
            "Bundle": {"type": "object", "required": ["resourceType", "type"],
                       "properties": {"resourceType": {"type": "string", "enum": ["Bundle"]},
                                      "type": {"type": "string"}, "total": {"type": "integer"},
                                      "link": {"type": "array", "items": {"type": "object"}},
                                      "entry": {"type": "array", "items": {"type": "object"}}}},
            "OperationOutcome": {"type": "object", "required": ["resourceType", "issue"],
                                 "properties": {"resourceType": {"type": "string", "enum": ["OperationOutcome"]},
                                                "issue": {"type": "array", "items": {"type": "object"}}}},
        },
        "responses": errors,
        "parameters": {
            "id": {"name": "id", "in": "path", "required": True,
                   "schema": {"type": "string", "pattern": "^[A-Za-z0-9\\-.]{1,64}$"}},
            "vid": {"name": "vid", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}},
            "If-Match": header("If-Match", 'Version ETag, e.g. W/"3"; 412 when stale'),
            "If-None-Exist": header("If-None-Exist", "Search query for conditional create"),
            "Prefer": header("Prefer", "return=minimal | representation | OperationOutcome; handling=strict|lenient"),
            "_id": query("_id", "Logical id"),
            "_lastUpdated": query("_lastUpdated", "Date with prefix, e.g. ge2026-01-01"),
            "_count": query("_count", "Page size", "integer"),
            "_sort": query("_sort", "Comma-separated keys, '-' for descending"),
            "_include": query("_include", "Type:param[:target]"),
            "_revinclude": query("_revinclude", "Type:param[:target]"),
            "_summary": query("_summary", "count"),
            "_elements": query("_elements", "Comma-separated top-level elements"),
            "_total": query("_total", "none | accurate"),
            "_cursor": query("_cursor", "Opaque paging cursor from Bundle.link[next]"),
            "_since": query("_since", "Instant: only versions since then"),
        },
    }


def build_openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/healthz": {"get": {"summary": "Liveness", "operationId": "healthz", "security": [],
                             "responses": {"200": {"description": "up"}}}},
        "/readyz": {"get": {"summary": "Readiness", "operationId": "readyz", "security": [],
                            "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
        "/fhir/metadata": {"get": {"tags": ["system"], "summary": "CapabilityStatement", "operationId": "capabilities",
                                   "security": [], "responses": {"200": _ok("CapabilityStatement")}}},
        "/fhir": {"post": {"tags": ["system"], "summary": "Batch or transaction Bundle", "operationId": "bundle",
                           "requestBody": {"required": True, "content": {_FHIR: {"schema": _ref("schemas/Bundle")}}},
                           "responses": _responses("200", "batch-response or transaction-response", "Bundle")}},
        "/fhir/_history": {"get": {"tags": ["system"], "summary": "History of everything",
                                   "operationId": "historySystem",
                                   "parameters": [_ref("parameters/_since"), _ref("parameters/_count"),
                                                  _ref("parameters/_cursor")],
                                   "responses": _responses("200", "history Bundle", "Bundle")}},
    }
    for res_type in sorted(SERVED_TYPES):
        paths.update(_type_paths(res_type))
    paths.update(_operation_paths())
    paths.update(export_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Care-record gateway", "version": "0.1.0",
                 "description": "FHIR R4 REST API of the care-record gateway. Every error is an OperationOutcome."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": _components(),
    }


def install_openapi(app: FastAPI) -> None:
    """Serve `build_openapi()` as the app's schema (and at /openapi.json)."""
    cached: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not cached:
            cached.update(build_openapi())
        return cached

    app.openapi = openapi  # type: ignore[method-assign]


def dump_yaml(document: dict[str, Any]) -> str:
    """The committed form of the document: YAML in the document's own key order."""
    text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return text
