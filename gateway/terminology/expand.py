"""`ValueSet/$expand` as a pure function over the gateway's own code systems.

Supports what the gateway's value sets use: whole systems, enumerated concepts, property `=`
filters, `is-a` / `descendent-of`, imported value sets and excludes; a text `filter`, and
paging by `offset`/`count`. See https://hl7.org/fhir/R4/valueset-operation-expand.html
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from gateway.outcomes import bad_request, not_found, unprocessable
from gateway.terminology.registry import CodeSystemIndex, Concept, Terminology, default_terminology

FhirJson = dict[str, Any]
Entry = tuple[str, str | None, str, str | None]  # system, version, code, display


def expand(
    valueset: str | FhirJson,
    filter: str | None = None,
    count: int | None = None,
    offset: int = 0,
    terminology: Terminology | None = None,
    now: datetime | None = None,
) -> FhirJson:
    """The ValueSet (by url, or given whole) with an `expansion`; `filter` keeps concepts whose
    code or display contains the text (case-insensitive). Unknown value set -> 404."""
    term = terminology or default_terminology()
    if count is not None and count < 0 or offset < 0:
        raise bad_request("count and offset must not be negative", ["Parameters.parameter"])
    vs = _resolve(valueset, term)
    entries = _entries(vs, term, seen=set())
    if filter:
        needle = filter.strip().lower()
        entries = [e for e in entries if needle in e[2].lower() or needle in (e[3] or "").lower()]
    page = entries[offset:] if count is None else entries[offset:offset + count]

    parameters: list[FhirJson] = []
    if filter:
        parameters.append({"name": "filter", "valueString": filter})
    if offset:
        parameters.append({"name": "offset", "valueInteger": offset})
    if count is not None:
        parameters.append({"name": "count", "valueInteger": count})
    expansion: FhirJson = {
        "identifier": "urn:uuid:" + _expansion_id(vs, filter, count, offset),
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "total": len(entries),
        "offset": offset,
    }
    if parameters:
        expansion["parameter"] = parameters
    if page:
        expansion["contains"] = [_contains(e) for e in page]
    out = {k: v for k, v in vs.items() if k != "expansion"}
    out["expansion"] = expansion
    return out


def _resolve(valueset: str | FhirJson, term: Terminology) -> FhirJson:
    if isinstance(valueset, dict):
        if valueset.get("resourceType") != "ValueSet":
            raise bad_request("$expand needs a ValueSet resource", ["Parameters.parameter.resource"])
        return valueset
    url, _, _version = valueset.partition("|")
    found = term.value_sets.get(url)
    if found is None:
        raise not_found(f"ValueSet {url} is not served by this gateway")
    return found


def _entries(vs: FhirJson, term: Terminology, seen: set[str]) -> list[Entry]:
    """Included minus excluded concepts, in definition order, without duplicates."""
    if vs.get("url") in seen:
        raise unprocessable(f"ValueSet {vs['url']} imports itself", code="invariant")
    seen = seen | {vs.get("url", "")}
    compose = vs.get("compose") or {}
    if not compose and vs.get("expansion"):
        return [(c["system"], c.get("version"), c["code"], c.get("display"))
                for c in vs["expansion"].get("contains", [])]
    included: dict[tuple[str, str], Entry] = {}
    for part in compose.get("include", []):
        for entry in _part(part, term, seen):
            included.setdefault((entry[0], entry[2]), entry)
    for part in compose.get("exclude", []):
        for entry in _part(part, term, seen):
            included.pop((entry[0], entry[2]), None)
    return list(included.values())


def _part(part: FhirJson, term: Terminology, seen: set[str]) -> list[Entry]:
    imported: list[set[tuple[str, str]]] = []
    imported_entries: list[Entry] = []
    for url in part.get("valueSet", []):
        entries = _entries(_resolve(url, term), term, seen)
        imported.append({(e[0], e[2]) for e in entries})
        imported_entries = imported_entries or entries
    system = part.get("system")
    if not system:
        keys = set.intersection(*imported) if imported else set()
        return [e for e in imported_entries if (e[0], e[2]) in keys]
    index = term.code_system(system)
    if index is None:
        raise unprocessable(f"cannot expand: CodeSystem {system} is not served by this gateway", code="not-supported")
    version = index.resource.get("version")
    if part.get("concept"):
        out = []
        for item in part["concept"]:
            concept = index.concepts.get(item["code"])
            if concept is None:
                raise unprocessable(f"ValueSet names code {item['code']!r} that {system} does not define",
                                    code="invariant")
            out.append((system, version, concept.code, item.get("display") or concept.display))
    else:
        out = [(system, version, c.code, c.display) for c in index.concepts.values()
               if all(_matches(index, c, f) for f in part.get("filter", []))]
    for keys in imported:
        out = [e for e in out if (e[0], e[2]) in keys]
    return out


def _matches(index: CodeSystemIndex, concept: Concept, flt: FhirJson) -> bool:
    prop, op, value = flt.get("property"), flt.get("op"), flt.get("value")
    if op == "=":
        if prop == "code":
            return concept.code == value
        return any(str(v).lower() == str(value).lower() for v in concept.property_values(str(prop)))
    if op in ("is-a", "descendent-of"):
        ancestors = []
        node: Concept | None = concept
        while node is not None and node.parent:
            ancestors.append(node.parent)
            node = index.concepts.get(node.parent)
        return value in ancestors or (op == "is-a" and concept.code == value)
    if op == "in":
        allowed = {v.strip() for v in str(value).split(",")}
        return concept.code in allowed if prop == "code" else bool(
            {str(v) for v in concept.property_values(str(prop))} & allowed)
    raise unprocessable(f"ValueSet filter op {op!r} is not supported", code="not-supported")


def _contains(entry: Entry) -> FhirJson:
    system, version, code, display = entry
    out: FhirJson = {"system": system}
    if version:
        out["version"] = version
    out["code"] = code
    if display:
        out["display"] = display
    return out


def _expansion_id(vs: FhirJson, filter: str | None, count: int | None, offset: int) -> str:
    """Same request over the same definition -> same identifier, so clients can cache."""
    digest = hashlib.sha256(json.dumps([vs.get("url"), vs.get("version"), vs.get("compose"), filter, count, offset],
                                       sort_keys=True).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
