"""`CodeSystem/$lookup` as a pure function: a code's display, definition and properties.

See https://hl7.org/fhir/R4/codesystem-operation-lookup.html
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.outcomes import bad_request, not_found
from gateway.terminology.registry import CodeSystemIndex, Concept, Terminology, default_terminology

Parameters = dict[str, Any]


def lookup(
    system: str | None,
    code: str | None,
    version: str | None = None,
    properties: Iterable[str] | None = None,
    terminology: Terminology | None = None,
) -> Parameters:
    """The R4 `$lookup` output Parameters for `code` in `system`; `properties` limits which
    properties are returned (all of them when None). Unknown system, version or code -> 404."""
    if not system or not code:
        raise bad_request("$lookup needs both system and code", ["Parameters.parameter"])
    term = terminology or default_terminology()
    index = term.code_system(system)
    if index is None:
        raise not_found(f"CodeSystem {system} is not served by this gateway")
    cs_version = index.resource.get("version")
    if version is not None and version != cs_version:
        raise not_found(f"CodeSystem {system} version {version} is not known (served: {cs_version})")
    concept = index.concepts.get(code)
    if concept is None:
        raise not_found(f"code {code!r} is not in CodeSystem {system}")

    wanted = set(properties) if properties is not None else None
    name = index.resource.get("title") or index.resource["name"]
    params: list[dict[str, Any]] = [{"name": "name", "valueString": name}]
    if cs_version:
        params.append({"name": "version", "valueString": cs_version})
    if concept.display:
        params.append({"name": "display", "valueString": concept.display})
    params.extend(_properties(index, concept, wanted))
    return {"resourceType": "Parameters", "parameter": params}


def _properties(index: CodeSystemIndex, concept: Concept, wanted: set[str] | None) -> list[dict[str, Any]]:
    def keep(name: str) -> bool:
        return wanted is None or name in wanted

    out: list[dict[str, Any]] = []
    if concept.definition and keep("definition"):
        out.append(_property("definition", {"valueString": concept.definition}))
    descriptions = {p["code"]: p.get("description") for p in index.resource.get("property", [])}
    for prop in concept.properties:
        name = prop["code"]
        if not keep(name):
            continue
        value = {k: v for k, v in prop.items() if k.startswith("value")}
        out.append(_property(name, value, descriptions.get(name)))
    if concept.parent and keep("parent"):
        out.append(_property("parent", {"valueCode": concept.parent}))
    if keep("child"):
        out.extend(_property("child", {"valueCode": child}) for child in concept.children)
    return out


def _property(code: str, value: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"name": "code", "valueCode": code}]
    for key, val in value.items():
        parts.append({"name": "value", key: val})
    if description:
        parts.append({"name": "description", "valueString": description})
    return {"name": "property", "part": parts}

