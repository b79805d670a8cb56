"""The Parameters shapes the Omaha operations answer with: what changed, the suggestions, and
the outcome trend. One module so the operations, the README and the pages agree on them.
See https://hl7.org/fhir/R4/parameters.html
"""

from __future__ import annotations

from typing import Any

from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.suggestions import Suggestion
from adapters.omaha.trend import ProblemTrend, TrendPoint
from adapters.omaha.vocabulary import PROBLEM, SCALES
from gateway.repository.base import FhirJson

Part = dict[str, Any]


def _problem(code: str | None, name: str | None) -> Part | None:
    if not code:
        return None
    coding = {"system": PROBLEM, "code": code}
    if name:
        coding["display"] = name
    return {"name": "problem", "valueCoding": coding}


def _parts(*items: Part | None) -> list[Part]:
    return [p for p in items if p is not None]


def _string(name: str, value: str | None) -> Part | None:
    return {"name": name, "valueString": value} if value else None


def change_parameter(delta: AssessmentDelta) -> Part:
    """One `change`: problem, aspect, old, new, direction, note, condition."""
    return {"name": "change", "part": _parts(
        _problem(delta.problem_code, delta.problem_name),
        {"name": "aspect", "valueCode": delta.aspect},
        _string("old", delta.old),
        _string("new", delta.new),
        {"name": "direction", "valueCode": delta.direction} if delta.direction else None,
        _string("note", delta.note),
        {"name": "condition", "valueReference": {"reference": f"Condition/{delta.condition_id}"}}
        if delta.condition_id else None,
    )}


def write_result(bundle: FhirJson, deltas: list[AssessmentDelta]) -> FhirJson:
    """`return` (the transaction-response Bundle) plus one `change` per delta."""
    return {"resourceType": "Parameters",
            "parameter": [{"name": "return", "resource": bundle}, *(change_parameter(d) for d in deltas)]}


def suggestion_parameter(s: Suggestion) -> Part:
    """One `suggestion`: problem, source (the record), source-code, concept-map, reason."""
    return {"name": "suggestion", "part": _parts(
        _problem(s.problem_code, s.problem_name),
        {"name": "source", "valueReference": {"reference": s.source_reference}},
        {"name": "source-code", "valueCoding": dict(s.source_coding)},
        {"name": "concept-map", "valueCanonical": s.concept_map},
        {"name": "reason", "valueString": s.reason},
    )}


def suggestions_result(suggestions: list[Suggestion]) -> FhirJson:
    return {"resourceType": "Parameters", "parameter": [suggestion_parameter(s) for s in suggestions]}


def _rating(point: TrendPoint) -> Part:
    scores = [{"name": scale, "valueInteger": getattr(point, scale)} for scale in SCALES
              if getattr(point, scale) is not None]
    return {"name": "rating", "part": [{"name": "date", "valueDate": point.date}, *scores]}


def _change(t: ProblemTrend) -> Part | None:
    """Latest minus first rating per scale (higher is better on all three, so positive = improving)."""
    if len(t.points) < 2:
        return None
    first, last = t.points[0], t.points[-1]
    parts = [{"name": scale, "valueInteger": getattr(last, scale) - getattr(first, scale)} for scale in SCALES
             if getattr(first, scale) is not None and getattr(last, scale) is not None]
    return {"name": "change", "part": parts} if parts else None


def trend_parameter(t: ProblemTrend) -> Part:
    """One `problem`: the problem coding, its condition, `rating` per date (oldest first), `change`."""
    return {"name": "problem", "part": _parts(
        _problem(t.problem_code, t.problem_name),
        {"name": "condition", "valueReference": {"reference": t.condition}},
        *(_rating(p) for p in t.points),
        _change(t),
    )}


def trend_result(trends: list[ProblemTrend]) -> FhirJson:
    return {"resourceType": "Parameters", "parameter": [trend_parameter(t) for t in trends]}
