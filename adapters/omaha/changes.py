"""What changed in a person's integrated assessment, as plain data.

The Omaha adapter computes these from two snapshots of the person's assessment resources
(`diff_assessment`); the Liquidlogic adapter renders them as a `HealthAndWellbeingUpdate`;
subscriptions use them to decide which topics fired. One shape, three users.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssessmentDelta:
    """One change to one Omaha problem.

    `aspect` is one of: "problem" (added/resolved/reopened), "severity", "scope",
    "sign-symptom" (added/removed), "knowledge", "behavior", "status" (the 1-5 ratings),
    "intervention" (added/changed/stopped).
    `old`/`new` are display strings ("3 - basic knowledge", "actual", None when absent).
    `direction` for ratings is "improved", "worsened" or "unchanged"; None otherwise.
    """

    problem_code: str  # Omaha problem number, two digits ("27")
    problem_name: str  # "Circulation"
    aspect: str
    old: str | None
    new: str | None
    direction: str | None = None
    note: str | None = None  # the practitioner's note, if any
    condition_id: str | None = None  # FHIR id of the problem's Condition
