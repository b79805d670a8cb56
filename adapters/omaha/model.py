"""The integrated assessment as plain data: problems with their modifiers, signs/symptoms,
interventions and Knowledge/Behavior/Status ratings. `to_fhir` and `from_fhir` translate it;
`rules` says whether it is acceptable.

Every element carries `path`: where it came from in what was submitted (a FHIRPath into the
QuestionnaireResponse, or `problems[0]...` for a model built in code), so a rule that rejects
it can name the item."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Rating:
    """Problem Rating Scale for Outcomes scores for one problem on one date (each 1-5)."""

    date: str
    knowledge: int | None = None
    behavior: int | None = None
    status: int | None = None
    rated_by: str | None = None  # reference, e.g. "Practitioner/abc"
    note: str | None = None
    path: str = ""

    def score(self, scale: str) -> int | None:
        value: int | None = getattr(self, scale)
        return value


@dataclass(slots=True)
class Intervention:
    """Category + target + the care description, who does it and how often."""

    category: str | None
    target: str | None
    description: str = ""
    performer: str | None = None  # a reference ("Practitioner/x", "RelatedPerson/y") or free text
    frequency: str | None = None
    status: str = "in-progress"  # CarePlan activity status
    path: str = ""


@dataclass(slots=True)
class Problem:
    """One of the 42 problems for this person, with its modifiers."""

    code: str
    scope: str = "individual"
    severity: str = "actual"
    status: str = "active"  # active | resolved
    signs_symptoms: list[str] = field(default_factory=list)
    identified_by: str | None = None
    identified_on: str | None = None
    note: str | None = None
    interventions: list[Intervention] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    path: str = ""


@dataclass(slots=True)
class Assessment:
    """One sitting of the integrated assessment for one person."""

    patient: str  # "Patient/<id>"
    date: str  # when the assessment was done (ISO date or dateTime)
    author: str | None = None  # reference of who did it
    problems: list[Problem] = field(default_factory=list)

    def locate(self) -> Assessment:
        """Give elements built in code a model path (`problems[0].interventions[1]`) when they
        have none, so rule violations can still name them."""
        for i, problem in enumerate(self.problems):
            problem.path = problem.path or f"problems[{i}]"
            for j, intervention in enumerate(problem.interventions):
                intervention.path = intervention.path or f"{problem.path}.interventions[{j}]"
            for j, rating in enumerate(problem.ratings):
                rating.path = rating.path or f"{problem.path}.ratings[{j}]"
        return self
