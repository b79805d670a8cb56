"""The team's caseload and what changed for each person over a week: the list the team works from
and the agenda of the weekly meeting (new problems, ratings up or down, visits, services started
or stopped, admissions), every change with the system it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from adapters.omaha.from_fhir import is_problem, is_rating, problem
from adapters.omaha.trend import ProblemTrend, trend
from adapters.omaha.vocabulary import RECORD, vocabulary
from gateway.assessments.records import find_all
from gateway.linking import linked_patient_ids
from gateway.pages.caseload_marker import caseload_marker
from gateway.pages.record import PersonRecord, gather_record
from gateway.pages.sections import sections
from gateway.pages.sources import SOURCES, Source
from gateway.pages.text import day_of, show_day
from gateway.pages.timeline import Event, timeline

FhirJson = dict[str, Any]
WEEK = timedelta(days=7)
# Timeline kinds the weekly meeting goes through (visits are Contacts; appointments, prescriptions and
# measurements stay on the record).
# What the caseload reads of each person: enough for the meeting's changes, the problems and the named nurse.
CASELOAD_TYPES = {"Patient", "Condition", "Observation", "Encounter", "Appointment", "CarePlan", "ServiceRequest",
                  "QuestionnaireResponse", "EpisodeOfCare", "Practitioner", "PractitionerRole"}
MEETING_KINDS = {"Admission", "Discharge", "Contact", "Fall", "Service started", "Service stopped",
                 "Assessment", "Referral", "Diagnosis", "Episode opened", "Episode closed"}


@dataclass(frozen=True, slots=True)
class Change:
    when: str
    kind: str
    text: str
    source: Source
    direction: str = ""  # improved | worsened | "" (not a rating)


@dataclass(frozen=True, slots=True)
class ActiveProblem:
    code: str
    name: str
    severity: str
    latest: str  # "K3 B2 S4 on 1 Oct 2025", or "" when not rated


@dataclass
class CaseloadPerson:
    person_id: str
    name: str
    birth_date: str
    age: int | None
    named_nurse: str | None
    problems: list[ActiveProblem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def caseload_ids(conn: Connection) -> list[str]:
    """Each caseload person once, by the id their assessment is kept under (golden when linked):
    people with the caseload entry, and anyone with an Omaha problem."""
    marker = find_all(conn, "Observation", [("code", caseload_marker().tokens())])
    problems = find_all(conn, "Condition", [("category", f"{RECORD}|problem")])
    subjects = {str((r.get("subject") or {}).get("reference", "")).removeprefix("Patient/")
                for r in [*marker, *problems]}
    return sorted({linked_patient_ids(conn, s)[0] for s in subjects if s})


def person_name(record: PersonRecord) -> tuple[str, str]:
    patients = sorted(record.of("Patient"), key=lambda p: p["id"] != record.person_id)
    for patient in patients:
        for name in patient.get("name", []):
            if name.get("use") not in ("old", "maiden"):
                text = name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
                return text, str(patient.get("birthDate", ""))
    return "Unnamed person", ""


def _age(birth: str, today: date) -> int | None:
    born = day_of(birth)
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def omaha_trends(record: PersonRecord) -> list[ProblemTrend]:
    """The K/B/S series per problem, by the same pure function `$omaha-trend` serves."""
    omaha = [r for r in [*record.of("Condition"), *record.of("Observation")] if is_problem(r) or is_rating(r)]
    return trend(omaha, [c for c in omaha if is_problem(c)])


def active_problems(record: PersonRecord) -> list[ActiveProblem]:
    trends = {t.condition: t for t in omaha_trends(record)}
    v = vocabulary()
    out = []
    for cond in record.of("Condition"):
        if not is_problem(cond):
            continue
        p = problem(cond)
        if p.status != "active":
            continue
        latest = trends.get(f"Condition/{cond['id']}")
        point = latest.latest() if latest else None
        rated = (f"K{point.knowledge or '-'} B{point.behavior or '-'} S{point.status or '-'} on {show_day(point.date)}"
                 if point else "")
        out.append(ActiveProblem(p.code, v.problem_name(p.code), v.severities.get(p.severity, p.severity), rated))
    return sorted(out, key=lambda a: a.code)


def _rating_changes(trends: list[ProblemTrend], start: date, end: date) -> list[Change]:
    out = []
    for series in trends:
        for before, after in zip(series.points, series.points[1:], strict=False):
            day = day_of(after.date)
            if day is None or not start < day <= end:
                continue
            for key, label in (("knowledge", "Knowledge"), ("behavior", "Behaviour"), ("status", "Status")):
                old, new = getattr(before, key), getattr(after, key)
                if old is not None and new is not None and old != new:
                    out.append(Change(after.date, "Rating", f"{series.problem_name}: {label} {old} → {new}",
                                      SOURCES["omaha"], "improved" if new > old else "worsened"))
    return out


def _new_problems(record: PersonRecord, start: date, end: date) -> list[Change]:
    v = vocabulary()
    out = []
    for cond in record.of("Condition"):
        day = day_of(cond.get("recordedDate"))
        if is_problem(cond) and day is not None and start < day <= end:
            p = problem(cond)
            kind = "Problem resolved" if p.status == "resolved" else "New problem"
            out.append(Change(str(cond["recordedDate"]), kind, f"{p.code} {v.problem_name(p.code)}", SOURCES["omaha"]))
    return out


def week_changes(record: PersonRecord, events: list[Event], end: date) -> list[Change]:
    """What changed for the person in the seven days up to and including `end`, newest first."""
    start = end - WEEK
    changes = [Change(e.when, e.kind, e.text + (f" ({e.who})" if e.who else ""), e.source) for e in events
               if e.kind in MEETING_KINDS and e.day is not None and start < e.day <= end]
    changes += _rating_changes(omaha_trends(record), start, end)
    changes += _new_problems(record, start, end)
    return sorted(changes, key=lambda c: c.when, reverse=True)


def caseload(conn: Connection, readable: set[str], week_end: date | None, today: date) -> tuple[
        list[CaseloadPerson], date]:
    """The caseload with each person's changes in the week ending `week_end`. Without a date: the
    week ending today, or, when nothing at all happened in it, the latest week with recorded events."""
    people: list[tuple[CaseloadPerson, PersonRecord, list[Event]]] = []
    for person_id in caseload_ids(conn):
        record = gather_record(conn, person_id, readable & CASELOAD_TYPES)
        name, birth = person_name(record)
        nurse = sections(record).named_nurse
        people.append((CaseloadPerson(person_id, name, birth, _age(birth, today), nurse.text if nurse else None,
                                      active_problems(record)), record, timeline(record)))
    if week_end is None:
        days = [e.day for _, _, events in people for e in events
                if e.kind in MEETING_KINDS and e.day is not None and e.day <= today]
        recent = [d for d in days if d > today - WEEK]
        week_end = today if recent or not days else max(days)
    for person, record, events in people:
        person.changes = week_changes(record, events, week_end)
    return sorted((p for p, _, _ in people), key=lambda p: p.name.split()[-1:] + [p.name]), week_end
