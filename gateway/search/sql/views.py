"""`_elements` and `_summary`: serve a subset of each resource, marked SUBSETTED.

Applied to the stored JSON after the query, so the index never depends on what a client asked to
see. `id`, `meta` and `resourceType` are always kept. See https://hl7.org/fhir/R4/search.html#elements
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.search.registry import get_registry

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
_ALWAYS = {"resourceType", "id", "meta"}


def _keep(resource: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """Top-level elements named in `names`; `value[x]` names keep every `valueQuantity`-style key."""
    choices = tuple(n[:-3] for n in names if n.endswith("[x]"))
    out = {}
    for key, value in resource.items():
        base = key[1:] if key.startswith("_") else key  # primitive extensions travel with their value
        if base in names or base in _ALWAYS or (choices and _is_choice(base, choices)):
            out[key] = value
    return out


def _is_choice(key: str, stems: tuple[str, ...]) -> bool:
    return any(key.startswith(s) and key[len(s) : len(s) + 1].isupper() for s in stems)


def subset(resource: dict[str, Any], elements: tuple[str, ...] | None, summary: str | None) -> dict[str, Any]:
    """The resource as `_elements`/`_summary` ask, tagged SUBSETTED when anything was left out."""
    if summary == "data":
        out = {k: v for k, v in resource.items() if k != "text"}
    elif summary == "text":
        out = _keep(resource, {"text"})
    elif summary == "true":
        out = _keep(resource, set(get_registry().summary.get(resource.get("resourceType", ""), [])))
    elif elements is not None:
        out = _keep(resource, set(elements))
    else:
        return resource
    if out.keys() != resource.keys():
        meta = dict(out.get("meta") or {})
        tags = [t for t in meta.get("tag", []) if t.get("code") != "SUBSETTED"]
        meta["tag"] = [*tags, SUBSETTED]
        out["meta"] = meta
    return out


def apply_view(
    entry: tuple[str, str, int, str], elements: tuple[str, ...] | None, summary: str | None
) -> tuple[str, str, int, str]:
    """An entry whose JSON text is subset for `_elements`/`_summary` (unchanged when nothing applies)."""
    t, i, v, content = entry
    resource = orjson.loads(content)
    view = subset(resource, elements, summary)
    return entry if view is resource else (t, i, v, orjson.dumps(view).decode())
