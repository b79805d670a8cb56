"""Search probes for the conformance test: a query value a stored resource really has, for one search
parameter, found by evaluating the parameter's R4 FHIRPath expression with an independent engine
(fhirpathpy), not with the gateway's own compiled extractors (which would make the test circular).

See https://hl7.org/fhir/R4/search.html for how each parameter type's value is written.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from fhirpathpy import compile as compile_path
from fhirpathpy.models import models

from gateway.search.compile import split_top

# A well-formed value of each parameter type, for parameters no stored resource has a value for.
SAMPLE = {
    "string": "ash", "token": "http://example.org|abc", "date": "ge2020-01-01", "reference": "Patient/abc",
    "quantity": "gt5", "number": "gt5", "uri": "http://example.org/x", "composite": "a$b", "special": "x",
}
_RESOLVE_IS = re.compile(r"^(.*)\.where\(resolve\(\) is (\w+)\)$")
_AS = re.compile(r"\s+as\s+(\w+)")
_RELATIVE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


def split_union(expression: str) -> list[str]:
    """The top-level `|` parts of an expression (the gateway's own splitter: parentheses and quotes respected)."""
    return [p for p in split_top(expression, "|") if p]


def _strip_parens(part: str) -> str:
    """`(A as B)` -> `A as B` when the outer parentheses wrap the whole part."""
    while part.startswith("(") and part.endswith(")"):
        depth = 0
        for i, ch in enumerate(part):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and i < len(part) - 1:
                return part  # the first "(" closes before the end: `(A).b`
        part = part[1:-1].strip()
    return part


def values_of(resource: dict[str, Any], res_type: str, expression: str) -> list[Any]:
    """Every node the expression selects in the resource. `X.where(resolve() is T)` keeps the references
    in X that point at a T (resolve() itself is not available offline)."""
    found: list[Any] = []
    for raw in split_union(expression.replace("Resource.", f"{res_type}.").replace("DomainResource.", f"{res_type}.")):
        # R4's `x as T` over several nodes means ofType (later FHIRPath made it an error).
        part = _AS.sub(r".ofType(\1)", _strip_parens(raw))
        match = _RESOLVE_IS.match(part)
        base, target = (match.group(1), match.group(2)) if match else (part, None)
        nodes = _compiled(base)(copy.deepcopy(resource))
        if target:
            nodes = [n for n in nodes if isinstance(n, dict) and str(n.get("reference", "")).startswith(f"{target}/")]
        found.extend(nodes)
    return found


@cache
def _compiled(path: str) -> Callable[..., list[Any]]:
    """Parsing dominates evaluating, so each path is parsed once."""
    return compile_path(path, models["r4"])


def query_value(param_type: str, node: Any) -> str | None:
    """How a search for this node's value is written, or None when this node cannot be searched for
    simply (a contained or absolute reference, a Timing, an empty element)."""
    if param_type == "token":
        return _token(node)
    if param_type == "string":
        return _string(node)
    if param_type == "reference":
        if isinstance(node, dict):
            ref = node.get("reference")
            return ref if isinstance(ref, str) and _RELATIVE.match(ref) else None
        return node if isinstance(node, str) and _RELATIVE.match(node) else None
    if param_type == "date":
        return _date(node)
    if param_type == "number":
        return str(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None
    if param_type == "quantity":
        if isinstance(node, dict) and isinstance(node.get("value"), (int, float)):
            if node.get("system") and node.get("code"):
                return f"{node['value']}|{node['system']}|{node['code']}"
            return str(node["value"])
        return None
    if param_type == "uri":
        return node if isinstance(node, str) and node else None
    return None


def _token(node: Any) -> str | None:
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, str):
        return node or None
    if not isinstance(node, dict):
        return None
    if "coding" in node:
        return next((t for c in node["coding"] if (t := _token(c))), None)
    if "code" in node and isinstance(node["code"], str):  # Coding
        return f"{node['system']}|{node['code']}" if node.get("system") else node["code"]
    if isinstance(node.get("value"), str):  # Identifier, or ContactPoint (whose system is not a URI)
        system = node.get("system")
        return f"{system}|{node['value']}" if isinstance(system, str) and ":" in system else node["value"]
    return None


def _string(node: Any) -> str | None:
    if isinstance(node, str):
        return node or None
    if not isinstance(node, dict):
        return None
    for key in ("family", "given", "text", "city", "line", "postalCode", "district", "state", "country"):
        value = node.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value:
            return value
    return None


def _date(node: Any) -> str | None:
    if isinstance(node, str) and re.match(r"^\d{4}", node):
        return f"eq{node}"
    if isinstance(node, dict) and ("start" in node or "end" in node):  # Period
        return f"ge{node['start'][:10]}" if node.get("start") else f"le{node['end'][:10]}"
    return None


def find_probe(resources: list[dict[str, Any]], res_type: str, param_type: str,
               expression: str | None, most: int = 6) -> tuple[dict[str, Any], list[str]] | None:
    """The first stored resource with a searchable value for the parameter, and its distinct values
    (every one, up to `most`: the second entity of an event must be found as surely as the first)."""
    if not expression:
        return None
    for resource in resources:
        values = [v for node in values_of(resource, res_type, expression) if (v := query_value(param_type, node))]
        if values:
            return resource, list(dict.fromkeys(values))[:most]
    return None
