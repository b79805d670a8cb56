"""Everything the person page shows, read once: the gathered record turned into demographics side
by side, the timeline, the sections, and the Omaha assessment (the same `person_assessment` the
`$omaha-trend` and `$omaha-suggestions` operations serve)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.omaha.model import Problem
from adapters.omaha.suggestions import Suggestion
from adapters.omaha.trend import ProblemTrend
from adapters.omaha.vocabulary import vocabulary
from gateway.assessments.view import person_assessment
from gateway.pages.caseload import person_name
from gateway.pages.chart import SCALES, legend_svg, summary, trend_svg
from gateway.pages.demographics import Demographics, demographics
from gateway.pages.falls import Fall, falls
from gateway.pages.record import PersonRecord, gather_record
from gateway.pages.sections import Sections, sections
from gateway.pages.summary import SummaryLine, summary_card
from gateway.pages.timeline import Event, timeline
from gateway.repository.sql import SqlRepository

OMAHA_READS = ("Patient", "Condition", "Observation", "CarePlan")
TIMELINE_DEFAULT = 40  # at least this many events, and everything in the year up to the latest one
TIMELINE_YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class OmahaProblem:
    """A problem with its chart, ready for the page."""

    problem: Problem
    name: str
    domain: str
    scope: str
    severity: str
    signs: list[str]
    chart: str
    summary: str
    points: int


@dataclass
class PersonView:
    record: PersonRecord
    name: str
    birth_date: str
    demographics: Demographics
    timeline: list[Event]
    sections: Sections
    omaha: list[OmahaProblem] | None  # None: the user may not read the assessment
    suggestions: list[Suggestion]
    legend: list[tuple[str, str]]
    summary: list[SummaryLine]
    falls: list[Fall]


def _omaha(problems: list[Problem], trends: list[ProblemTrend]) -> list[OmahaProblem]:
    v = vocabulary()
    by_code = {t.problem_code: t for t in trends}
    out = []
    for p in sorted(problems, key=lambda p: (p.status != "active", p.code)):
        series = by_code.get(p.code) or ProblemTrend(condition=p.path, problem_code=p.code,
                                                      problem_name=v.problem_name(p.code))
        out.append(OmahaProblem(p, v.problem_name(p.code), str(v.problem_domains.get(p.code) or ""),
                                v.scopes.get(p.scope, p.scope), v.severities.get(p.severity, p.severity),
                                [v.signs_symptoms.get(s, s) for s in p.signs_symptoms], trend_svg(series),
                                summary(series), len(series.points)))
    return out


def person_view(repo: SqlRepository, patient_id: str, readable: set[str], omaha_allowed: bool,
                today: date | None = None) -> PersonView:
    """The person page's content for `patient_id` (any of the person's records)."""
    with repo.reading() as conn:
        record = gather_record(conn, patient_id, readable)
    name, birth = person_name(record)
    omaha: list[OmahaProblem] | None = None
    suggestions: list[Suggestion] = []
    if omaha_allowed:
        assessed = person_assessment(repo, record.person_id)
        omaha = _omaha(assessed.assessment.problems, assessed.trends)
        suggestions = assessed.suggestions
    legend = [(s.label, legend_svg(s)) for s in SCALES]
    parts = sections(record)
    found = falls(record)
    omaha_active = sum(1 for p in omaha or [] if p.problem.status == "active")
    card = summary_card(record, parts, found, omaha_active, today or date.today())
    return PersonView(record, name, birth, demographics(record), timeline(record), parts, omaha,
                      suggestions, legend, card, found)


def recent_events(events: list[Event]) -> list[Event]:
    """The timeline as first shown: the year up to the latest event (and never fewer than
    TIMELINE_DEFAULT events), so social care's less frequent events are not pushed off by visits."""
    days = [e.day for e in events if e.day is not None]
    if not days:
        return events[:TIMELINE_DEFAULT]
    since = max(days) - TIMELINE_YEAR
    recent = [e for e in events if e.day is not None and e.day >= since]
    return recent if len(recent) >= TIMELINE_DEFAULT else events[:TIMELINE_DEFAULT]


def sources_present(view: PersonView) -> list[Any]:
    """The systems this person's record draws on, for the page's header."""
    return [c.source for c in view.demographics.columns]
