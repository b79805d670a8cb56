"""The Omaha System codes the adapter needs (problem names, which sign/symptom belongs to which
problem, modifier kinds, categories, targets, rating anchors), read from the CodeSystems the
gateway publishes in `mappings/omaha/`, so the adapter and `$lookup` can never disagree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from adapters.codemaps import MAPPINGS_DIR
from adapters.uris import code_system, extension

PROBLEM = code_system("omaha-problem")
SIGN_SYMPTOM = code_system("omaha-sign-symptom")
MODIFIER = code_system("omaha-modifier")
CATEGORY = code_system("omaha-intervention-category")
TARGET = code_system("omaha-target")
RATING_SCALE = code_system("omaha-rating-scale")
RECORD = code_system("omaha-record")

SCOPE_EXT = extension("omaha-scope")
SEVERITY_EXT = extension("omaha-severity")
CATEGORY_EXT = extension("omaha-intervention-category")

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
SCALES = ("knowledge", "behavior", "status")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Displays by code for each Omaha code system, plus the relations the rules check."""

    problems: dict[str, str]
    problem_domains: dict[str, str]
    signs_symptoms: dict[str, str]
    sign_problem: dict[str, str]  # sign/symptom code -> its problem code
    scopes: dict[str, str]
    severities: dict[str, str]
    categories: dict[str, str]
    targets: dict[str, str]
    anchors: dict[tuple[str, int], str]  # (scale, score) -> anchor wording
    records: dict[str, str]
    scale_labels: dict[str, str]  # scale -> its name in British English ("Behaviour")
    scale_words: dict[str, str]  # scale -> what it rates, in plain words ("what the person does")

    def problem_name(self, code: str) -> str:
        return self.problems.get(code, code)

    def anchor(self, scale: str, score: int) -> str | None:
        return self.anchors.get((scale, score))

    def scale_label(self, scale: str) -> str:
        """The scale's name as the pages and social care read it (`Behaviour`, not `Behavior`)."""
        return self.scale_labels[scale]

    def rating_text(self, scale: str, score: int | None) -> str | None:
        """`3 - Basic knowledge`: how a rating reads in change lists."""
        if score is None:
            return None
        anchor = self.anchor(scale, score)
        return f"{score} - {anchor}" if anchor else str(score)


def _concepts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            out.append(item)
            walk(item.get("concept", []))

    walk(doc.get("concept", []))
    return out


def _prop(concept: dict[str, Any], name: str) -> Any:
    for prop in concept.get("property", []):
        if prop["code"] == name:
            return next(v for k, v in prop.items() if k.startswith("value"))
    return None


def _designation(concept: dict[str, Any], language: str) -> str:
    return next(str(d["value"]) for d in concept.get("designation", []) if d.get("language") == language)


def load_vocabulary(folder: Path = MAPPINGS_DIR / "omaha") -> Vocabulary:
    """Read the generated CodeSystems from `folder`."""
    docs = {p.name.removesuffix(".codesystem.json"): json.loads(p.read_text(encoding="utf-8"))
            for p in folder.glob("*.codesystem.json")}
    problems = _concepts(docs["omaha-problem"])
    signs = _concepts(docs["omaha-sign-symptom"])
    modifiers = _concepts(docs["omaha-modifier"])
    scores = [c for c in _concepts(docs["omaha-rating-scale"]) if _prop(c, "score") is not None]
    en_gb = _concepts(docs["omaha-rating-scale-en-gb"])
    if sorted(c["code"] for c in en_gb) != sorted(SCALES):
        raise ValueError(f"omaha-rating-scale-en-gb must name exactly the scales {SCALES}")
    return Vocabulary(
        problems={c["code"]: c["display"] for c in problems},
        problem_domains={c["code"]: _prop(c, "domain") for c in problems},
        signs_symptoms={c["code"]: c["display"] for c in signs},
        sign_problem={c["code"]: _prop(c, "problem") for c in signs},
        scopes={c["code"]: c["display"] for c in modifiers if _prop(c, "modifier-type") == "scope"},
        severities={c["code"]: c["display"] for c in modifiers if _prop(c, "modifier-type") == "severity"},
        categories={c["code"]: c["display"] for c in _concepts(docs["omaha-intervention-category"])},
        targets={c["code"]: c["display"] for c in _concepts(docs["omaha-target"])},
        anchors={(_prop(c, "scale"), _prop(c, "score")): c["display"] for c in scores},
        records={c["code"]: c["display"] for c in _concepts(docs["omaha-record"])},
        scale_labels={c["code"]: _designation(c, "en-GB") for c in en_gb},
        scale_words={c["code"]: _prop(c, "plain-words") for c in en_gb},
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The shipped vocabulary, loaded once per process."""
    return load_vocabulary()


def coding(system: str, code: str, display: str | None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out
