"""Generate the gateway's Omaha System CodeSystems, ValueSets and the ConceptMap to HL7's `oms`
URI from the reference list, so the published terminology is reproducible data, not hand edits.

Usage: python scripts/generate_omaha_codesystems.py [PATH/TO/omaha-system.json] [--out DIR] [--check]
`--check` writes nothing and exits 1 when a checked-in file differs from what would be generated.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from adapters.uris import code_system, value_set  # noqa: E402

DEFAULT_SOURCE = REPO.parent / "shared" / "omaha" / "omaha-system.json"
DEFAULT_OUT = REPO / "mappings" / "omaha"
OMS = "http://terminology.hl7.org/CodeSystem/oms"
VERSION = "2005"
PUBLISHER = "care-gateway (generated from the Omaha System 2005 reference list)"

Json = dict[str, Any]

_CODE_STATUS = {
    "code": "code-status",
    "uri": code_system("omaha-record") + "#code-status",
    "description": "official: the Omaha System's own number for the concept (2005 book); "
    "local: an identifier the gateway assigned, not an Omaha code.",
    "type": "code",
}


def _prop(code: str, value: Any, kind: str) -> Json:
    return {"code": code, f"value{kind}": value}


def _code_system(name: str, title: str, description: str, concepts: list[Json], properties: list[Json],
                 hierarchy: str | None = None) -> Json:
    """One FHIR R4 CodeSystem with the common metadata; `concepts` keep the reference list's order."""
    out: Json = {
        "resourceType": "CodeSystem",
        "id": name,
        "url": code_system(name),
        "version": VERSION,
        "name": "".join(part.title() for part in name.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": PUBLISHER,
        "description": description,
        "caseSensitive": True,
    }
    if hierarchy:
        out["hierarchyMeaning"] = hierarchy
    out["content"] = "complete"
    out["count"] = _count(concepts)
    out["property"] = properties
    out["concept"] = concepts
    return out


def _count(concepts: list[Json]) -> int:
    return sum(1 + _count(c.get("concept", [])) for c in concepts)


def problems(ref: Json) -> Json:
    domains = {d["name"]: d for d in ref["domains"]}
    concepts = []
    for p in ref["problems"]:
        domain = domains[p["domain"]]
        concepts.append({
            "code": p["number"],
            "display": p["name"],
            "definition": p["definition"],
            "property": [
                _prop("domain", domain["name"], "String"),
                _prop("domain-number", domain["number"], "Integer"),
                _prop("code-status", "official", "Code"),
            ],
        })
    notes = ref["problems_notes"]
    return _code_system(
        "omaha-problem",
        "Omaha System problems (Problem Classification Scheme)",
        "The 42 problems of the Omaha System (2005), numbered 01-42 in domain order, each with its domain. "
        f"Codes are official (numbering: {notes['numbering']}). Definitions: {notes['definitions']}.",
        concepts,
        [
            {"code": "domain", "description": "Name of the problem's domain (Environmental, Psychosocial, "
             "Physiological, Health-related Behaviors)", "type": "string"},
            {"code": "domain-number", "description": "Domain number 1-4 (I-IV)", "type": "integer"},
            _CODE_STATUS,
        ],
    )


def signs_symptoms(ref: Json) -> Json:
    concepts = []
    for p in ref["problems"]:
        for s in p["signs_symptoms"]:
            concepts.append({
                "code": s["code"],
                "display": s["text"],
                "property": [_prop("problem", p["number"], "Code"), _prop("code-status", "local", "Code")],
            })
    notes = ref["problems_notes"]
    return _code_system(
        "omaha-sign-symptom",
        "Omaha System signs and symptoms",
        "Signs/symptoms per Omaha problem, coded PP.NN (problem number . sequence). Every code here is LOCAL: "
        f"{notes['signs_symptoms_code']} Texts: {notes['signs_symptoms_text']}. "
        "Signs/symptoms are recorded only when the problem's severity is actual.",
        concepts,
        [
            {"code": "problem", "uri": code_system("omaha-problem"),
             "description": "The omaha-problem code this sign/symptom belongs to", "type": "code"},
            _CODE_STATUS,
        ],
    )


def modifiers(ref: Json) -> Json:
    concepts = []
    for kind in ("scope", "severity"):
        for m in ref["modifiers"][kind]:
            concepts.append({
                "code": m["code"],
                "display": m["display"],
                "definition": m["definition"],
                "property": [_prop("modifier-type", kind, "Code"), _prop("code-status", "local", "Code")],
            })
    return _code_system(
        "omaha-modifier",
        "Omaha System problem modifiers (scope and severity)",
        "Problem modifiers: scope (individual, family, community) and severity (health promotion, potential, "
        "actual). The names are the Omaha System's; the code strings are LOCAL (the Omaha System numbers none). "
        f"Rule: {ref['modifiers']['rule']}",
        concepts,
        [
            {"code": "modifier-type", "description": "scope or severity", "type": "code"},
            _CODE_STATUS,
        ],
    )


def intervention_categories(ref: Json) -> Json:
    concepts = [{
        "code": c["number"],
        "display": c["name"],
        "definition": c["definition"],
        "property": [_prop("code-status", "local", "Code")],
    } for c in ref["intervention_categories"]]
    return _code_system(
        "omaha-intervention-category",
        "Omaha System intervention categories",
        "The four intervention categories of the Intervention Scheme (names and definitions verified). "
        f"The numbers 01-04 are LOCAL: {ref['intervention_categories_note']}",
        concepts,
        [_CODE_STATUS],
    )


def targets(ref: Json) -> Json:
    concepts = [{
        "code": t["number"],
        "display": t["name"],
        "definition": t["definition"],
        "property": [_prop("code-status", "local" if t["number"] == "76" else "official", "Code")],
    } for t in ref["intervention_targets"]]
    return _code_system(
        "omaha-target",
        "Omaha System intervention targets",
        "The 75 intervention targets (01-75, alphabetical as in the 2005 list: official numbering) plus 76 "
        f"'other', a LOCAL code. {ref['intervention_targets_note']}",
        concepts,
        [_CODE_STATUS],
    )


RATING_SCALES = ("knowledge", "behavior", "status")


def rating_scale(ref: Json) -> Json:
    """Knowledge, Behavior and Status as concepts, each with its five scores as child concepts
    `<scale>-<n>` whose display is the anchor wording, so `$lookup` of `knowledge-3` gives the anchor."""
    scale = ref["rating_scale"]
    concepts = []
    for name in RATING_SCALES:
        concepts.append({
            "code": name,
            "display": name.title(),
            "definition": scale[name]["concept_definition"],
            "property": [_prop("code-status", "local", "Code")],
            "concept": [{
                "code": f"{name}-{score}",
                "display": anchor,
                "definition": f"{name.title()} rating {score} of 5: {anchor}",
                "property": [
                    _prop("score", int(score), "Integer"),
                    _prop("scale", name, "Code"),
                    _prop("code-status", "local", "Code"),
                ],
            } for score, anchor in sorted(scale[name]["scores"].items(), key=lambda kv: int(kv[0]))],
        })
    return _code_system(
        "omaha-rating-scale",
        "Omaha System Problem Rating Scale for Outcomes",
        f"{scale['name']}: {scale['usage']} The concept codes (knowledge, behavior, status) and the score codes "
        "<scale>-<1..5> are LOCAL; an Observation component carries the scale code and valueInteger 1-5, and "
        f"the child concept <scale>-<n> gives the anchor wording. Status of data: {scale['status_of_data']}",
        concepts,
        [
            {"code": "score", "description": "The rating value 1 (worst) to 5 (best)", "type": "integer"},
            {"code": "scale", "description": "The scale (knowledge, behavior, status) a score belongs to",
             "type": "code"},
            _CODE_STATUS,
        ],
        hierarchy="grouped-by",
    )


RECORD_TYPES = [
    ("problem", "Omaha System problem", "A Condition recording one Omaha problem for a person."),
    ("kbs-rating", "Knowledge/Behavior/Status rating", "An Observation holding the three Problem Rating Scale "
     "scores for one problem on one date."),
    ("outcome-rating", "Omaha outcome rating", "Observation category for Problem Rating Scale for Outcomes ratings."),
    ("integrated-care-plan", "Integrated care plan", "The person's one CarePlan whose activities are the Omaha "
     "interventions."),
    ("integrated-assessment", "Integrated assessment (Omaha System)", "The Questionnaire and QuestionnaireResponses "
     "of the whole integrated assessment."),
    ("suggestion-dismissed", "Suggested problem dismissed", "A person dismissed a problem suggested from a source "
     "record; it is not suggested again for that record."),
]


def record_types() -> Json:
    concepts = [{"code": c, "display": d, "definition": text, "property": [_prop("code-status", "local", "Code")]}
                for c, d, text in RECORD_TYPES]
    return _code_system(
        "omaha-record",
        "Omaha assessment record types",
        "Codes the gateway uses to mark the resources of the integrated (Omaha) assessment. All LOCAL.",
        concepts,
        [_CODE_STATUS],
    )


def _value_set(name: str, title: str, description: str, include: list[Json]) -> Json:
    return {
        "resourceType": "ValueSet",
        "id": name,
        "url": value_set(name),
        "version": VERSION,
        "name": "".join(part.title() for part in name.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": PUBLISHER,
        "description": description,
        "compose": {"include": include},
    }


def value_sets() -> list[Json]:
    """The value sets the assessment's Questionnaire and pages use."""
    def whole(cs: str) -> list[Json]:
        return [{"system": code_system(cs)}]

    def by_property(cs: str, prop: str, value: str) -> list[Json]:
        return [{"system": code_system(cs), "filter": [{"property": prop, "op": "=", "value": value}]}]

    out = [
        _value_set("omaha-problem", "Omaha problems", "All 42 Omaha System problems.", whole("omaha-problem")),
        _value_set("omaha-sign-symptom", "Omaha signs and symptoms",
                   "All signs/symptoms; a problem's own are those whose `problem` property is its code.",
                   whole("omaha-sign-symptom")),
        _value_set("omaha-scope", "Omaha problem scope", "Scope modifiers.",
                   by_property("omaha-modifier", "modifier-type", "scope")),
        _value_set("omaha-severity", "Omaha problem severity", "Severity modifiers.",
                   by_property("omaha-modifier", "modifier-type", "severity")),
        _value_set("omaha-intervention-category", "Omaha intervention categories", "The four categories.",
                   whole("omaha-intervention-category")),
        _value_set("omaha-target", "Omaha intervention targets", "The 75 targets and 'other'.", whole("omaha-target")),
    ]
    for scale in RATING_SCALES:
        out.append(_value_set(
            f"omaha-{scale}-rating", f"Omaha {scale} ratings",
            f"The five {scale} scores with their anchor wording.",
            by_property("omaha-rating-scale", "scale", scale),
        ))
    return out


def oms_map(ref: Json) -> Json:
    """Problem numbers to HL7's `oms` URI. HL7 publishes no oms codes, so the 2005 problem number is
    the target code; the map is the one place that says so."""
    return {
        "name": "omaha-to-oms",
        "title": "Gateway Omaha problems to HL7 oms",
        "description": "Maps the gateway's omaha-problem codes to http://terminology.hl7.org/CodeSystem/oms "
        f"(OID {ref['coding']['fhir']['oid']}). {ref['coding']['fhir']['code_format_in_tho']} The target code is "
        "the official 2005 problem number; use it only with partners who agree that format.",
        "source_system": code_system("omaha-problem"),
        "target_system": OMS,
        "match": "exact",
        "entries": {
            p["number"]: {"code": p["number"], "display": p["name"], "equivalence": "equivalent"}
            for p in ref["problems"]
        },
    }


def build(ref: Json) -> dict[str, Json]:
    """File name -> JSON content for everything this script owns in mappings/omaha/."""
    systems = {
        "omaha-problem": problems(ref),
        "omaha-sign-symptom": signs_symptoms(ref),
        "omaha-modifier": modifiers(ref),
        "omaha-intervention-category": intervention_categories(ref),
        "omaha-target": targets(ref),
        "omaha-rating-scale": rating_scale(ref),
        "omaha-record": record_types(),
    }
    files = {f"{name}.codesystem.json": cs for name, cs in systems.items()}
    files.update({f"{vs['id']}.valueset.json": vs for vs in value_sets()})
    files["omaha-to-oms.map.json"] = oms_map(ref)
    return files


def render(content: Json) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="report stale files instead of writing")
    args = parser.parse_args(argv)

    ref = json.loads(args.source.read_text(encoding="utf-8"))
    stale = []
    for name, content in build(ref).items():
        path = args.out / name
        text = render(content)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    print(f"{'stale' if args.check else 'written'}: {len(stale)} file(s) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
