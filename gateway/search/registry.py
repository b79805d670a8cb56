"""The search parameters the gateway supports, built once from the spec data at start-up.

`gateway/spec/search-parameters-r4.json` is the source of truth: every parameter of every served
resource type is compiled here, and whatever cannot be compiled (or whose type the gateway does not
index, like composite and special) is kept with the reason so the CapabilityStatement can leave it out
and say why. See https://hl7.org/fhir/R4/searchparameter-registry.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gateway.search.compile import CompileError, Compiler, Extractor, split_top

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"

# Parameters answered from the resources table itself rather than from index rows.
TABLE_PARAMS = {"_id": "token", "_lastUpdated": "date"}
# Spec parameters whose meaning the gateway's index cannot honour, with the reason.
NOT_HONOURED = {"phonetic": "phonetic matching is not implemented"}
INDEXED_TYPES = {"token", "string", "date", "number", "quantity", "reference", "uri"}


@dataclass(frozen=True)
class SearchParam:
    """One search parameter of one resource type, with its compiled extractor."""

    code: str
    type: str
    resource_type: str
    url: str
    expression: str | None
    targets: tuple[str, ...] = ()
    extractor: Extractor | None = field(default=None, compare=False, repr=False)
    roots: frozenset[str] | None = None  # top-level keys the extractor reads (None: always run it)


@dataclass(frozen=True)
class Unsupported:
    """A spec parameter the gateway does not search on, and why."""

    resource_type: str
    code: str
    type: str
    reason: str


class Registry:
    """Every supported parameter by resource type and code, plus the unsupported ones."""

    def __init__(self, spec: dict[str, Any], elements: dict[str, list[str]]):
        self.resource_types: tuple[str, ...] = tuple(spec["resourceTypes"])
        self.summary: dict[str, list[str]] = {}
        self._params: dict[str, dict[str, SearchParam]] = {t: {} for t in self.resource_types}
        self.unsupported: list[Unsupported] = []
        for item in spec["parameters"]:
            bases = self.resource_types if set(item["base"]) & {"Resource", "DomainResource"} else item["base"]
            for rtype in bases:
                self._add(rtype, item, elements)

    def _add(self, rtype: str, item: dict[str, Any], elements: dict[str, list[str]]) -> None:
        code, ptype, expression = item["code"], item["type"], own_expression(item.get("expression"), rtype)
        param = SearchParam(code, ptype, rtype, item["url"], expression, tuple(item.get("target", ())))
        if code in TABLE_PARAMS:
            self._params[rtype][code] = param
            return
        if code in NOT_HONOURED:
            self.unsupported.append(Unsupported(rtype, code, ptype, NOT_HONOURED[code]))
            return
        if ptype not in INDEXED_TYPES:
            self.unsupported.append(Unsupported(rtype, code, ptype, f"{ptype} parameters are not supported"))
            return
        if not expression:
            self.unsupported.append(Unsupported(rtype, code, ptype, "no FHIRPath expression to index"))
            return
        compiler = Compiler(elements, rtype)
        try:
            extractor = compiler.compile(expression)
        except CompileError as exc:
            self.unsupported.append(Unsupported(rtype, code, ptype, f"expression not compiled: {exc}"))
            return
        self._params[rtype][code] = SearchParam(
            code, ptype, rtype, item["url"], expression, param.targets, extractor, compiler.roots
        )

    def params(self, resource_type: str) -> dict[str, SearchParam]:
        """Supported parameters of a type by code (empty for a type the gateway does not serve)."""
        return self._params.get(resource_type, {})

    def get(self, resource_type: str, code: str) -> SearchParam | None:
        return self._params.get(resource_type, {}).get(code)


def own_expression(expression: str | None, rtype: str) -> str | None:
    """The union parts of a multi-base expression that apply to `rtype` (`A.x | B.y` -> `A.x` for A)."""
    if not expression:
        return None
    heads = (rtype, "Resource", "DomainResource")
    parts = [p for p in split_top(expression, "|") if p.lstrip("(").split(".", 1)[0].split(" ", 1)[0] in heads]
    return " | ".join(parts) or None


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry compiled from the shipped spec files (once per process)."""
    spec = json.loads((SPEC_DIR / "search-parameters-r4.json").read_text())
    local = json.loads((SPEC_DIR / "search-parameters-local.json").read_text())
    spec = {**spec, "parameters": [*spec["parameters"], *local["parameters"]]}
    element_data = json.loads((SPEC_DIR / "elements-r4.json").read_text())
    registry = Registry(spec, element_data["elements"])
    registry.summary = element_data["summary"]
    return registry


def unsupported_params() -> list[Unsupported]:
    """Spec parameters of served types that search rejects; for the CapabilityStatement."""
    return list(get_registry().unsupported)


def supported_params(resource_type: str) -> list[SearchParam]:
    """Supported parameters of one type, sorted by code; for the CapabilityStatement."""
    return sorted(get_registry().params(resource_type).values(), key=lambda p: p.code)
