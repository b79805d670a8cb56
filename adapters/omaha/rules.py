"""The assessment's rules, checked before anything is written, each failure naming the item at
fault so the form can point at it.

- a problem is one of the 42, with a known scope and severity and status active or resolved;
- signs/symptoms only when severity is actual, and only the problem's own;
- ratings are whole numbers 1-5 with a date;
- an intervention's target only together with a category, both known codes;
- no two active entries for the same problem and scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.omaha.model import Assessment, Intervention, Problem, Rating
from adapters.omaha.vocabulary import SCALES, Vocabulary, vocabulary

PROBLEM_STATUSES = ("active", "resolved")
ACTIVITY_STATUSES = ("not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped")


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One broken rule: `expression` locates the item (FHIRPath into the QuestionnaireResponse
    when the assessment came from one), `link_id` names the Questionnaire item."""

    expression: str
    link_id: str
    message: str


class AssessmentInvalid(ValueError):
    """The assessment breaks one or more rules; nothing from it may be written."""

    def __init__(self, violations: list[RuleViolation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations

    def operation_outcome(self) -> dict[str, Any]:
        """The violations as an OperationOutcome, one `invariant` issue per item at fault."""
        return {
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": "error", "code": "invariant", "diagnostics": v.message,
                 "details": {"text": v.message}, "expression": [v.expression]}
                for v in self.violations
            ],
        }


def locate(path: str, link_id: str, attribute: str) -> str:
    """The expression for one field of an element: by linkId inside a QuestionnaireResponse,
    by attribute name in a model built in code."""
    if path.startswith("QuestionnaireResponse"):
        return f"{path}.item.where(linkId='{link_id}')"
    return f"{path}.{attribute}"


def check(assessment: Assessment, vocab: Vocabulary | None = None) -> list[RuleViolation]:
    """Every rule the assessment breaks, in document order (empty when it is acceptable)."""
    v = vocab or vocabulary()
    assessment.locate()
    out: list[RuleViolation] = []
    active: dict[tuple[str, str], Problem] = {}
    for problem in assessment.problems:
        out.extend(_problem(problem, v))
        key = (problem.code, problem.scope)
        if problem.status == "active":
            if key in active:
                name = v.problem_name(problem.code)
                out.append(RuleViolation(
                    locate(problem.path, "problem.code", "code"), "problem.code",
                    f"Problem {problem.code} {name} ({problem.scope}) is entered twice as active; "
                    f"combine the two entries (first at {active[key].path}).",
                ))
            else:
                active[key] = problem
        for intervention in problem.interventions:
            out.extend(_intervention(intervention, v))
        for rating in problem.ratings:
            out.extend(_rating(rating, v))
    return out


def validate(assessment: Assessment, vocab: Vocabulary | None = None) -> Assessment:
    """The assessment itself when it keeps every rule; raises AssessmentInvalid otherwise."""
    violations = check(assessment, vocab)
    if violations:
        raise AssessmentInvalid(violations)
    return assessment


def _problem(p: Problem, v: Vocabulary) -> list[RuleViolation]:
    out = []
    if p.code not in v.problems:
        out.append(RuleViolation(locate(p.path, "problem.code", "code"), "problem.code",
                                 f"{p.code!r} is not an Omaha problem number (01-42)."))
    if p.scope not in v.scopes:
        out.append(RuleViolation(locate(p.path, "problem.scope", "scope"), "problem.scope",
                                 f"Scope {p.scope!r} is not one of {', '.join(v.scopes)}."))
    if p.severity not in v.severities:
        out.append(RuleViolation(locate(p.path, "problem.severity", "severity"), "problem.severity",
                                 f"Severity {p.severity!r} is not one of {', '.join(v.severities)}."))
    if p.status not in PROBLEM_STATUSES:
        out.append(RuleViolation(locate(p.path, "problem.status", "status"), "problem.status",
                                 f"Problem status {p.status!r} must be active or resolved."))
    where = locate(p.path, "problem.signs-symptoms", "signs_symptoms")
    if p.signs_symptoms and p.severity != "actual":
        out.append(RuleViolation(where, "problem.signs-symptoms",
                                 f"Signs/symptoms are recorded only when severity is actual; problem {p.code} "
                                 f"{v.problem_name(p.code)} has severity {p.severity}."))
    for code in p.signs_symptoms:
        owner = v.sign_problem.get(code)
        if owner is None:
            out.append(RuleViolation(where, "problem.signs-symptoms", f"{code!r} is not an Omaha sign/symptom code."))
        elif owner != p.code:
            out.append(RuleViolation(where, "problem.signs-symptoms",
                                     f"Sign/symptom {code} ({v.signs_symptoms[code]}) belongs to problem {owner} "
                                     f"{v.problem_name(owner)}, not {p.code} {v.problem_name(p.code)}."))
    return out


def _intervention(i: Intervention, v: Vocabulary) -> list[RuleViolation]:
    out = []
    if i.target and not i.category:
        out.append(RuleViolation(locate(i.path, "problem.intervention.category", "category"),
                                 "problem.intervention.category",
                                 f"Intervention target {i.target} needs a category (an Omaha intervention is "
                                 "category + target + care description)."))
    if i.category and i.category not in v.categories:
        out.append(RuleViolation(locate(i.path, "problem.intervention.category", "category"),
                                 "problem.intervention.category",
                                 f"{i.category!r} is not an intervention category (01-04)."))
    if i.target and i.target not in v.targets:
        out.append(RuleViolation(locate(i.path, "problem.intervention.target", "target"),
                                 "problem.intervention.target", f"{i.target!r} is not an intervention target (01-76)."))
    if not i.category and not i.target:
        out.append(RuleViolation(locate(i.path, "problem.intervention.category", "category"),
                                 "problem.intervention.category", "An intervention needs at least a category."))
    if i.status not in ACTIVITY_STATUSES:
        out.append(RuleViolation(locate(i.path, "problem.intervention.status", "status"),
                                 "problem.intervention.status",
                                 f"Intervention status {i.status!r} is not one of {', '.join(ACTIVITY_STATUSES)}."))
    return out


def _rating(r: Rating, v: Vocabulary) -> list[RuleViolation]:
    out = []
    if not r.date:
        out.append(RuleViolation(locate(r.path, "problem.rating.date", "date"), "problem.rating.date",
                                 "A rating needs the date it was made."))
    scores = [r.score(s) for s in SCALES]
    if all(s is None for s in scores):
        out.append(RuleViolation(locate(r.path, "problem.rating.knowledge", "knowledge"), "problem.rating.knowledge",
                                 "A rating needs at least one of Knowledge, Behavior, Status."))
    for scale, score in zip(SCALES, scores, strict=True):
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            out.append(RuleViolation(locate(r.path, f"problem.rating.{scale}", scale), f"problem.rating.{scale}",
                                     f"{scale.title()} rating {score!r} must be a whole number from 1 to 5."))
    return out
