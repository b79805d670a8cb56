"""Whether a change to a person's integrated assessment suggests a social care review.

The rule a social worker would apply: a worsening (rating down, new or reopened problem,
severity now actual, new sign) on an Omaha problem that bears on a Care Act outcome the person
was assessed as unable to achieve suggests a review; so does a marked worsening on one they
could achieve (a possible new eligible need), and an assessment over a year old. Which problems
bear on which outcome is data: `mappings/liquidlogic/care-act-outcome-omaha-problems.json`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from adapters.display import show_day
from adapters.liquidlogic import codesystems
from adapters.liquidlogic.codesystems import CODESYSTEM_DIR
from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.vocabulary import SCALES, vocabulary

LINKS_FILE = CODESYSTEM_DIR / "care-act-outcome-omaha-problems.json"
RATING_ASPECTS = SCALES
ANNUAL_REVIEW_DAYS = 365


@dataclass(frozen=True, slots=True)
class AssessmentFacts:
    """What the last social care assessment says, as far as the update needs it."""

    event_reference: str
    completed: date | None
    assessment_type: str | None
    unmet_outcomes: tuple[str, ...] | None  # None when only the Encounter (no form answers) is known


@lru_cache(maxsize=1)
def outcome_links() -> dict[str, tuple[str, ...]]:
    """Care Act outcome code -> Omaha problem codes that bear on it."""
    data = json.loads(LINKS_FILE.read_text(encoding="utf-8"))
    return {outcome: tuple(problems) for outcome, problems in data["links"].items()}


def outcomes_for_problem(problem_code: str) -> list[str]:
    """Care Act outcomes an Omaha problem bears on, in CodeSystem order."""
    return [o for o, problems in outcome_links().items() if problem_code in problems]


def outcome_display(code: str) -> str:
    return codesystems.get("care-act-outcome").displays[code]


def is_worsening(delta: AssessmentDelta) -> bool:
    """A change that makes things harder for the person."""
    if delta.aspect in RATING_ASPECTS:
        return delta.direction == "worsened"
    if delta.aspect == "problem":
        return (delta.new or "").lower() == "active"  # new or reopened
    if delta.aspect == "severity":
        return (delta.new or "").lower() == "actual"
    if delta.aspect == "sign-symptom":
        return delta.old is None and delta.new is not None
    return False


def _marked(delta: AssessmentDelta) -> bool:
    """A worsening big enough to suggest a need the last assessment did not see."""
    return delta.aspect in ("status", "problem", "severity") and is_worsening(delta)


def review_reasons(
    deltas: Sequence[AssessmentDelta], facts: AssessmentFacts | None, when: date, person: str
) -> list[str]:
    """Plain-English reasons a review looks due; empty when none does."""
    reasons: list[str] = []
    for delta in deltas:
        if not is_worsening(delta):
            continue
        linked = outcomes_for_problem(delta.problem_code)
        if not linked:
            continue
        change = f"{delta.problem_name} {describe_worsening(delta)}"
        if facts is None:
            if _marked(delta):
                reasons.append(
                    f"{change}; it bears on {_join(linked)} and {person} has no social care "
                    "assessment on record: consider an assessment."
                )
            continue
        when_assessed = f"the assessment of {long_date(facts.completed)}" if facts.completed else "the last assessment"
        if facts.unmet_outcomes is None:
            if _marked(delta):
                reasons.append(f"{change}; it bears on {_join(linked)}.")
            continue
        unmet = [o for o in linked if o in facts.unmet_outcomes]
        if unmet:
            reasons.append(
                f"{change}; it bears on {_join(unmet)}, which {when_assessed} found {person} cannot achieve."
            )
        elif _marked(delta):
            reasons.append(
                f"{change}; it bears on {_join(linked)}, which {when_assessed} found {person} could "
                "achieve: there may be a new eligible need."
            )
    if facts is not None and facts.completed is not None and (when - facts.completed).days > ANNUAL_REVIEW_DAYS:
        reasons.append(f"The last assessment ({long_date(facts.completed)}) is over a year old.")
    return reasons


def describe_worsening(delta: AssessmentDelta) -> str:
    if delta.aspect in RATING_ASPECTS:
        return f"{scale_name(delta.aspect)} fell from {score_text(delta.old)} to {score_text(delta.new)}"
    if delta.aspect == "problem":
        return "was identified as a new problem" if delta.old is None else "was reopened"
    if delta.aspect == "severity":
        return f"severity rose from {(delta.old or 'none').lower()} to actual"
    return f"has a new sign or symptom ({delta.new})"


def score_text(value: str | None) -> str:
    """'3 - Basic knowledge' reads as '3 (basic knowledge)' in a sentence."""
    if value is None:
        return "none"
    number, _, words = value.partition(" - ")
    return f"{number} ({words[0].lower()}{words[1:]})" if words else value


def scale_name(aspect: str) -> str:
    return vocabulary().scale_label(aspect).lower()


def _join(outcomes: Sequence[str]) -> str:
    names = [f"'{outcome_display(o).lower()}'" for o in outcomes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def long_date(day: date | None) -> str:
    return show_day(day) if day else "an unknown date"
