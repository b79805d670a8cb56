"""What changed between two snapshots of a person's Omaha resources."""

from __future__ import annotations

from typing import Any

from adapters.omaha.diff import diff_assessment
from adapters.omaha.questionnaire import extract
from tests.adapters.omaha.forms import intervention, problem, rating, response, three_problems

PATIENT = "Patient/omaha-test-4"
FhirJson = dict[str, Any]


def _resources(bundle: FhirJson) -> list[FhirJson]:
    return [e["resource"] for e in bundle["entry"]]


def _store(*bundles: FhirJson) -> list[FhirJson]:
    latest = {(r["resourceType"], r["id"]): r for b in bundles for r in _resources(b)}
    return list(latest.values())


def test_first_assessment_adds_every_problem_rating_and_intervention() -> None:
    after = _store(extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, None))
    deltas = diff_assessment([], after)
    assert [(d.problem_code, d.aspect) for d in deltas if d.aspect == "problem"] == [
        ("24", "problem"), ("27", "problem"), ("35", "problem")]
    skin_knowledge = next(d for d in deltas if d.problem_code == "24" and d.aspect == "knowledge")
    assert (skin_knowledge.old, skin_knowledge.new, skin_knowledge.direction) == (None, "2 - Minimal knowledge", None)
    assert len([d for d in deltas if d.aspect == "intervention"]) == 4


def test_month_later_reports_rating_directions_severity_and_stopped_intervention() -> None:
    first = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, None)
    before = _store(first)
    form = response(
        "2026-02-10",
        problem("24", signs=("24.01", "24.05"), ratings=(rating("2026-02-10", 3, 2, 1),), interventions=(
            intervention("02", "17", "Dress sacral ulcer, hydrocolloid", "Practitioner/nurse-1", "daily"),)),
        problem("35", severity="actual", signs=("35.09",), ratings=(rating("2026-02-10", 3, 3, 4),)),
        problem("27", status="resolved", signs=("27.01",)),
    )
    after = _store(first, extract(form, PATIENT, None, current_care_plan=_resources(first)[-1]))
    deltas = {(d.problem_code, d.aspect, d.old, d.new): d for d in diff_assessment(before, after)}

    assert ("24", "knowledge", "2 - Minimal knowledge", "3 - Basic knowledge") in deltas
    assert deltas[("24", "knowledge", "2 - Minimal knowledge", "3 - Basic knowledge")].direction == "improved"
    status = deltas[("24", "status", "2 - Severe signs/symptoms", "1 - Extreme signs/symptoms")]
    assert status.direction == "worsened" and status.problem_name == "Skin"
    assert not any(k[0] == "24" and k[1] == "behavior" for k in deltas)
    assert ("24", "sign-symptom", None, "inflammation") in deltas
    assert ("35", "severity", "Potential", "Actual") in deltas
    assert not any(k[0] == "35" and k[1] in ("knowledge", "behavior", "status") for k in deltas)
    assert ("27", "problem", "active", "resolved") in deltas
    changed = [k for k in deltas if k[0] == "24" and k[1] == "intervention"]
    assert len(changed) == 2  # the dressing frequency changed, the positioning advice stopped
    assert any(k[3] is None and "positioning" in (k[2] or "") for k in changed)


def test_no_change_no_deltas() -> None:
    store = _store(extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, None))
    assert diff_assessment(store, store) == []
