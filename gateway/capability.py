"""The CapabilityStatement at /fhir/metadata: what this server really supports, built from the
same registries the handlers use (types, search parameters, operations), so it cannot drift.

See https://hl7.org/fhir/R4/capabilitystatement.html
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from gateway.operations.registry import all_operations
from gateway.resource_types import LOG_TYPES, READ_ONLY_TYPES, SERVED_TYPES
from gateway.search.registry import supported_params
from gateway.settings import Settings

_READ = ("read", "vread", "search-type", "history-instance", "history-type")
_LOG_READ = ("read", "vread", "search-type")
_WRITE = ("create", "update", "patch", "delete")


def _resource(res_type: str) -> dict[str, Any]:
    is_log = res_type in LOG_TYPES
    interactions = list(_LOG_READ if is_log else _READ) + ([] if res_type in READ_ONLY_TYPES else list(_WRITE))
    params = [
        {"name": p.code, "definition": p.url, "type": p.type}
        for p in sorted(supported_params(res_type), key=lambda p: p.code)
    ]
    ops = [
        {"name": op.name, "definition": op.definition["url"]}
        for op in all_operations()
        if op.types is None or res_type in op.types
        if "type" in op.levels or "instance" in op.levels
    ]
    out: dict[str, Any] = {
        "type": res_type,
        "interaction": [{"code": code} for code in interactions],
        "versioning": "versioned" if is_log else "versioned-update",
        "readHistory": not is_log,
        "updateCreate": res_type not in READ_ONLY_TYPES,
        "conditionalCreate": res_type not in READ_ONLY_TYPES,
        "conditionalUpdate": res_type not in READ_ONLY_TYPES,
        "conditionalDelete": "not-supported",
        "searchParam": params,
    }
    if not is_log:
        out["searchInclude"] = ["*"]
        out["searchRevInclude"] = ["*"]
    if ops:
        out["operation"] = ops
    return out


@lru_cache(maxsize=4)
def _statement(base_url: str) -> dict[str, Any]:
    system_ops = [{"name": op.name, "definition": op.definition["url"]} for op in all_operations()
                  if "system" in op.levels]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "publisher": "Care-record gateway",
        "kind": "instance",
        "software": {"name": "care-gateway", "version": "0.1.0"},
        "implementation": {"description": "Care-record gateway (SystmOne, Liquidlogic, Omaha System)",
                           "url": f"{base_url}/fhir"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                             "code": "SMART-on-FHIR"}]}],
                    "description": "JWT bearer tokens (RFC 6750) with SMART v2 scopes; every interaction is audited.",
                },
                "resource": [_resource(t) for t in sorted(SERVED_TYPES)],
                "interaction": [{"code": "transaction"}, {"code": "batch"}, {"code": "history-system"}],
                "searchParam": [{"name": "_id", "type": "token"}, {"name": "_lastUpdated", "type": "date"}],
                "operation": system_ops,
            }
        ],
    }


def capability_statement(settings: Settings) -> dict[str, Any]:
    return _statement(settings.base_url.rstrip("/"))
