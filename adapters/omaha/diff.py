"""What changed in a person's integrated assessment between two snapshots of their Omaha
resources, as `AssessmentDelta`s: the weekly meeting's list, the social worker's update and the
subscription topics all start from it.

Ratings report the scales whose latest value changed (a first rating reports every scale, with
no direction); interventions are matched by their stable CarePlan activity id.
"""

from __future__ import annotations

from typing import Any

from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.from_fhir import (
    focus_condition,
    intervention,
    is_care_plan,
    is_problem,
    is_rating,
    problem,
    rating,
    reason_condition,
)
from adapters.omaha.model import Intervention, Problem, Rating
from adapters.omaha.vocabulary import SCALES, Vocabulary, vocabulary

FhirJson = dict[str, Any]
_CLOSED = ("completed", "cancelled", "stopped")


class _Snapshot:
    """One side of the comparison, indexed by Condition id."""

    def __init__(self, resources: list[FhirJson]) -> None:
        self.problems: dict[str, Problem] = {r["id"]: problem(r) for r in resources if is_problem(r)}
        self.latest: dict[str, tuple[str, Rating]] = {}
        for r in resources:
            cid = focus_condition(r) if is_rating(r) else None
            if cid is None:
                continue
            current = self.latest.get(cid)
            candidate = (str(r.get("effectiveDateTime", "")), rating(r))
            if current is None or candidate[0] >= current[0]:
                self.latest[cid] = candidate
        self.activities: dict[str, tuple[str | None, Intervention]] = {}
        for r in resources:
            if is_care_plan(r):
                for act in r.get("activity", []):
                    self.activities[str(act.get("id"))] = (reason_condition(act), intervention(act))


def _intervention_text(i: Intervention, v: Vocabulary) -> str:
    parts = [v.categories.get(i.category or "", i.category or ""), v.targets.get(i.target or "", i.target or "")]
    text = ": ".join(p for p in parts if p)
    details = [d for d in (i.description, i.frequency, i.performer) if d]
    return f"{text} ({'; '.join(details)})" if details else text


def diff_assessment(before: list[FhirJson], after: list[FhirJson],
                    vocab: Vocabulary | None = None) -> list[AssessmentDelta]:
    """The changes from `before` to `after` (each: a person's Omaha Conditions, rating
    Observations and integrated CarePlan), problem by problem in problem-number order."""
    v = vocab or vocabulary()
    old, new = _Snapshot(before), _Snapshot(after)
    out: list[AssessmentDelta] = []
    for cid in sorted(new.problems, key=lambda c: (new.problems[c].code, c)):
        out.extend(_problem_changes(cid, old.problems.get(cid), new.problems[cid], v))
        out.extend(_rating_changes(cid, new.problems[cid], old.latest.get(cid), new.latest.get(cid), v))
    for cid in sorted(set(old.problems) - set(new.problems)):
        p = old.problems[cid]
        out.append(AssessmentDelta(p.code, v.problem_name(p.code), "problem", p.status, None, condition_id=cid))
    out.extend(_intervention_changes(old, new, v))
    return out


def _problem_changes(cid: str, old: Problem | None, new: Problem, v: Vocabulary) -> list[AssessmentDelta]:
    name = v.problem_name(new.code)

    def delta(aspect: str, was: str | None, now: str | None) -> AssessmentDelta:
        return AssessmentDelta(new.code, name, aspect, was, now, note=new.note, condition_id=cid)

    if old is None:
        return [delta("problem", None, new.status)]
    out = []
    if old.status != new.status:
        out.append(delta("problem", old.status, new.status))
    if old.severity != new.severity:
        out.append(delta("severity", v.severities.get(old.severity, old.severity),
                         v.severities.get(new.severity, new.severity)))
    if old.scope != new.scope:
        out.append(delta("scope", old.scope, new.scope))
    for code in [c for c in new.signs_symptoms if c not in old.signs_symptoms]:
        out.append(delta("sign-symptom", None, v.signs_symptoms.get(code, code)))
    for code in [c for c in old.signs_symptoms if c not in new.signs_symptoms]:
        out.append(delta("sign-symptom", v.signs_symptoms.get(code, code), None))
    return out


def _rating_changes(cid: str, p: Problem, old: tuple[str, Rating] | None, new: tuple[str, Rating] | None,
                    v: Vocabulary) -> list[AssessmentDelta]:
    if new is None or (old is not None and old[1] == new[1]):
        return []
    out = []
    for scale in SCALES:
        now = new[1].score(scale)
        was = old[1].score(scale) if old else None
        if now is None or (old is not None and was == now):
            continue
        direction = None if was is None else "improved" if now > was else "worsened"
        out.append(AssessmentDelta(p.code, v.problem_name(p.code), scale, v.rating_text(scale, was),
                                   v.rating_text(scale, now), direction, note=new[1].note, condition_id=cid))
    return out


def _intervention_changes(old: _Snapshot, new: _Snapshot, v: Vocabulary) -> list[AssessmentDelta]:
    out = []
    problems = {**old.problems, **new.problems}

    def delta(cid: str | None, was: str | None, now: str | None) -> AssessmentDelta | None:
        # old None: added; new None: stopped or removed; both: changed.
        p = problems.get(cid or "")
        if p is None:
            return None
        return AssessmentDelta(p.code, v.problem_name(p.code), "intervention", was, now, condition_id=cid)

    for act_id, (cid, now) in new.activities.items():
        previous = old.activities.get(act_id)
        if previous is None:
            change = delta(cid, None, _intervention_text(now, v))
        elif previous[1].status not in _CLOSED and now.status in _CLOSED:
            change = delta(cid, _intervention_text(previous[1], v), None)
        elif previous[1] != now:
            change = delta(cid, _intervention_text(previous[1], v), _intervention_text(now, v))
        else:
            change = None
        if change:
            out.append(change)
    for act_id, (cid, was) in old.activities.items():
        if act_id not in new.activities and (change := delta(cid, _intervention_text(was, v), None)):
            out.append(change)
    return out
