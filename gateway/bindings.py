"""Required code bindings (Patient.gender, Observation.status, ...), checked on every write.

The R4B models type `code` elements as strings, so without this a Patient with gender "bogus"
would be stored. The rules are data (`spec/required-bindings-r4.json`, extracted from the R4
definitions by `scripts/extract_required_bindings.py`), compiled once per resource type.
See https://hl7.org/fhir/R4/terminologies.html#required
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC = Path(__file__).with_name("spec") / "required-bindings-r4.json"

Rule = tuple[tuple[str, ...], frozenset[str]]


@lru_cache(maxsize=1)
def _all_rules() -> dict[str, list[Rule]]:
    raw = json.loads(SPEC.read_text(encoding="utf-8"))
    return {
        res_type: [(tuple(path.split(".")), frozenset(codes)) for path, codes in rules.items()]
        for res_type, rules in raw.items()
    }


def _values(node: Any, parts: tuple[str, ...], where: str) -> Iterator[tuple[str, Any]]:
    if not parts:
        yield where, node
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _values(item, parts, f"{where}[{i}]")
        return
    if isinstance(node, dict) and parts[0] in node:
        yield from _values(node[parts[0]], parts[1:], f"{where}.{parts[0]}")


def binding_errors(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(expression, message) for every code outside its required value set."""
    res_type = resource.get("resourceType", "")
    errors = []
    for parts, allowed in _all_rules().get(res_type, ()):
        if parts[0] not in resource:
            continue
        for where, value in _values(resource, parts, res_type):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, str) and item not in allowed:
                    shown = ", ".join(sorted(allowed)) if len(allowed) <= 12 else f"{len(allowed)} codes"
                    errors.append((where, f"{item!r} is not a valid code here (allowed: {shown})"))
    return errors
