"""`ConceptMap/$translate` as a pure function over the gateway's code maps.

Matching follows each map's own rule (`exact` or `normalised`), so a translate call sees the
same answer as the adapters that use the map. See
https://hl7.org/fhir/R4/conceptmap-operation-translate.html
"""

from __future__ import annotations

from typing import Any

from adapters.codemaps import CodeMap
from adapters.uris import concept_map
from gateway.outcomes import bad_request, not_found
from gateway.terminology.registry import Terminology, default_terminology

Parameters = dict[str, Any]


def translate(
    code: str | None,
    system: str | None,
    url: str | None = None,
    source: str | None = None,
    target: str | None = None,
    terminology: Terminology | None = None,
) -> Parameters:
    """The R4 `$translate` output for `code` from `system`: through the ConceptMap at `url`, or
    every map from `system` (or from `source`) whose target system or target value set is
    `target` when given. No matching map -> 404; no match -> `result` false with a message."""
    if not code:
        raise bad_request("$translate needs a code", ["Parameters.parameter"])
    term = terminology or default_terminology()
    maps = _candidate_maps(term, url, system or source, target)
    matches: list[dict[str, Any]] = []
    for cmap in maps:
        if system and system != cmap.source_system:
            continue
        hit = cmap.get(code)
        if hit is None:
            continue
        concept: dict[str, Any] = {"system": hit.system, "code": hit.code}
        if hit.display:
            concept["display"] = hit.display
        parts: list[dict[str, Any]] = [
            {"name": "equivalence", "valueCode": hit.equivalence},
            {"name": "concept", "valueCoding": concept},
            {"name": "source", "valueUri": concept_map(cmap.name)},
        ]
        if hit.comment:
            parts.append({"name": "message", "valueString": hit.comment})
        matches.append({"name": "match", "part": parts})

    params: list[dict[str, Any]] = [{"name": "result", "valueBoolean": bool(matches)}]
    if not matches:
        names = ", ".join(m.name for m in maps)
        params.append({"name": "message", "valueString": f"code {code!r} from {system or source} has no "
                       f"translation in {names}"})
    params.extend(matches)
    return {"resourceType": "Parameters", "parameter": params}


def _candidate_maps(term: Terminology, url: str | None, source: str | None, target: str | None) -> list[CodeMap]:
    if url:
        found = term.concept_maps.get(url.partition("|")[0])
        if found is None:
            raise not_found(f"ConceptMap {url} is not served by this gateway")
        return [found]
    if not source:
        raise bad_request("$translate needs a ConceptMap url or the code's system", ["Parameters.parameter"])
    maps = [m for m in term.concept_maps.values()
            if m.source_system == source and (target is None or target in _targets(m))]
    if not maps:
        where = f" to {target}" if target else ""
        raise not_found(f"no ConceptMap translates from {source}{where}")
    return maps


def _targets(cmap: CodeMap) -> set[str]:
    """What a `target` parameter may name for this map: its target system or the value set of it."""
    out = {cmap.target_system}
    if "/CodeSystem/" in cmap.target_system:
        out.add(cmap.target_system.replace("/CodeSystem/", "/ValueSet/"))
    return out
