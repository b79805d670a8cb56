"""The outcome measure: per problem, its Knowledge/Behavior/Status ratings over time, read from
the rating Observations (the teams show impact with it, not with admission rates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.omaha.from_fhir import focus_condition, is_problem, is_rating, problem, rating
from adapters.omaha.vocabulary import Vocabulary, vocabulary

FhirJson = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One rating date of one problem."""

    date: str
    knowledge: int | None
    behavior: int | None
    status: int | None


@dataclass(slots=True)
class ProblemTrend:
    """A problem's ratings, oldest first. `problem_code`/`problem_name` are known when the
    problem's Condition was given alongside the Observations."""

    condition: str  # "Condition/<id>"
    problem_code: str | None = None
    problem_name: str | None = None
    points: list[TrendPoint] = field(default_factory=list)

    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None


def trend(observations: list[FhirJson], conditions: list[FhirJson] | None = None,
          vocab: Vocabulary | None = None) -> list[ProblemTrend]:
    """Series of (date, K, B, S) per problem from rating Observations; other resources in the
    lists are ignored. Two ratings of one problem on the same date keep the later-listed one."""
    v = vocab or vocabulary()
    labels = {c["id"]: problem(c).code for c in (conditions or []) if is_problem(c)}
    series: dict[str, dict[str, TrendPoint]] = {}
    for obs in observations:
        cid = focus_condition(obs) if is_rating(obs) else None
        if cid is None:
            continue
        r = rating(obs)
        series.setdefault(cid, {})[r.date[:10]] = TrendPoint(r.date[:10], r.knowledge, r.behavior, r.status)
    out = []
    for cid, points in series.items():
        code = labels.get(cid)
        out.append(ProblemTrend(
            condition=f"Condition/{cid}",
            problem_code=code,
            problem_name=v.problem_name(code) if code else None,
            points=[points[d] for d in sorted(points)],
        ))
    return sorted(out, key=lambda t: (t.problem_code or "~", t.condition))
