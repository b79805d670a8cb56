"""The team's caseload and what changed for each person over a week: the list the team works from
and the agenda of the weekly meeting (new problems, ratings up or down, visits, services started
or stopped, admissions), every change with the system it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from adapters.nhs_number import NHS_NUMBER_SYSTEM
from adapters.omaha.from_fhir import is_problem, is_rating, problem
from adapters.omaha.trend import ProblemTrend, trend
from adapters.omaha.vocabulary import RECORD, SCALES, vocabulary
from gateway.assessments.records import find_all
from gateway.linking import linked_patient_ids
from gateway.pages.caseload_marker import caseload_marker, is_caseload_marker
from gateway.pages.falls import Fall, falls
from gateway.pages.record import PersonRecord, gather_record
from gateway.pages.sections import Sections, sections
from gateway.pages.sources import SOURCES, Source
from gateway.pages.text import day_of, show_day
from gateway.pages.timeline import Event, timeline

FhirJson = dict[str, Any]
# The caseload's people, read through a cache that rereads only what changed (see caseload_cache.py).
FactsCache = Callable[[Connection, set[str], date], list["PersonFacts"]]
WEEK = timedelta(days=7)
# Timeline kinds the weekly meeting goes through (visits are Contacts; appointments, prescriptions and
# measurements stay on the record).
# What the caseload reads of each person: enough for the meeting's changes, the problems and the named nurse.
CASELOAD_TYPES = {"Patient", "Condition", "Observation", "Encounter", "Appointment", "CarePlan", "ServiceRequest",
                  "QuestionnaireResponse", "EpisodeOfCare", "Practitioner", "PractitionerRole", "AllergyIntolerance",
                  "RelatedPerson", "Flag"}
FALL_MARKER_DAYS = 90
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
    latest: str  # "knowledge 3, behaviour 2, status 4 on 1 Oct 2025", or "" when not rated


@dataclass(frozen=True, slots=True)
class Marker:
    """A short labelled fact a nurse checks before a visit (`kind` doubles as its CSS class)."""

    kind: str  # allergy | fall | carer | no-carer | social-care
    text: str


@dataclass
class CaseloadPerson:
    person_id: str
    name: str
    birth_date: str
    age: int | None
    named_nurse: str | None
    problems: list[ActiveProblem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    nhs_number: str = ""
    postcode: str = ""
    named_nurse_ref: str | None = None
    markers: list[Marker] = field(default_factory=list)
    last_visit: str | None = None  # ISO date of the latest visit up to the caseload's day
    next_due: str | None = None  # ISO date of the next booked visit from that day
    fall_days: list[date] = field(default_factory=list)  # newest first

    @property
    def recent_fall(self) -> bool:
        return any(m.kind == "fall" for m in self.markers)


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
        rated = (f"knowledge {point.knowledge or '–'}, behaviour {point.behavior or '–'}, status {point.status or '–'}"
                 f" on {show_day(point.date)}" if point else "")
        out.append(ActiveProblem(p.code, v.problem_name(p.code), v.severities.get(p.severity, p.severity), rated))
    return sorted(out, key=lambda a: a.code)


def _rating_changes(trends: list[ProblemTrend], start: date, end: date) -> list[Change]:
    out = []
    for series in trends:
        for before, after in zip(series.points, series.points[1:], strict=False):
            day = day_of(after.date)
            if day is None or not start < day <= end:
                continue
            for key in SCALES:
                old, new, label = getattr(before, key), getattr(after, key), vocabulary().scale_label(key)
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


@dataclass
class PersonFacts:
    """What the caseload keeps of one person between requests: the row, and the dated events and
    changes the week's view filters (so a new week needs no new read of the record)."""

    row: CaseloadPerson
    events: list[Event]
    trends: list[ProblemTrend]
    problem_changes: list[Change]


def _first_patient(record: PersonRecord) -> FhirJson:
    patients = sorted(record.of("Patient"), key=lambda p: p["id"] != record.person_id)
    return patients[0] if patients else {}


def _markers(s: Sections, found: list[Fall], as_of: date) -> list[Marker]:
    out = []
    if s.allergies:
        out.append(Marker("allergy", "Allergy: " + ", ".join(a.text for a in s.allergies[:2])))
    recent = [f for f in found if as_of - timedelta(days=FALL_MARKER_DAYS) < f.day <= as_of]
    if recent:
        out.append(Marker("fall", f"Fall {show_day(recent[0].day.isoformat())}"))
    carers = [p for p in s.network if "carer" in " ".join([p.relationship, *p.roles]).lower()
              or "cares" in " ".join(p.roles)]
    out.append(Marker("carer", f"Carer: {carers[0].name}") if carers else Marker("no-carer", "No carer recorded"))
    if s.services_in_place:
        out.append(Marker("social-care", "Social care: " + ", ".join(x.text for x in s.services_in_place[:2])))
    return out


def person_facts(conn: Connection, person_id: str, readable: set[str], as_of: date) -> PersonFacts:
    """One caseload person, read from their whole record (every linked source)."""
    record = gather_record(conn, person_id, readable & CASELOAD_TYPES)
    name, birth = person_name(record)
    parts = sections(record)
    nurse = parts.named_nurse
    found = falls(record)
    events = timeline(record)
    first = _first_patient(record)
    visits = [e.when[:10] for e in events if e.kind == "Contact" and e.day is not None and e.day <= as_of]
    booked = [e.when[:10] for e in events if e.kind == "Booked appointment" and e.day is not None and e.day >= as_of]
    row = CaseloadPerson(person_id, name, birth, _age(birth, as_of), nurse.text if nurse else None,
                         active_problems(record), [], _nhs(first), _postcode(first), _nurse_ref(record),
                         _markers(parts, found, as_of), max(visits, default=None), min(booked, default=None),
                         [f.day for f in found])
    return PersonFacts(row, [e for e in events if e.kind in MEETING_KINDS], omaha_trends(record),
                       _new_problems(record, date.min, date.max))


def _nhs(patient: FhirJson) -> str:
    return next((str(i["value"]) for i in patient.get("identifier", []) if i.get("system") == NHS_NUMBER_SYSTEM
                 and i.get("value") and i.get("use") != "old"), "")


def _postcode(patient: FhirJson) -> str:
    current = [a for a in patient.get("address", []) if not (a.get("period") or {}).get("end") and a.get("postalCode")]
    return str(current[0]["postalCode"]) if current else ""


def _nurse_ref(record: PersonRecord) -> str | None:
    markers = [o for o in record.of("Observation") if is_caseload_marker(o)]
    if not markers:
        return None
    latest = max(markers, key=lambda o: str(o.get("effectiveDateTime", "")))
    performer: FhirJson = next(iter(latest.get("performer", [])), {})
    ref = str(performer.get("reference") or "")
    role = record.referenced.get(ref) if ref.startswith("PractitionerRole/") else None
    if role is not None:  # SystmOne records the staff member's role profile; she is its practitioner
        ref = str((role.get("practitioner") or {}).get("reference") or ref)
    return ref or None


def _in_week(facts: PersonFacts, end: date) -> list[Change]:
    start = end - WEEK
    changes = [Change(e.when, e.kind, e.text + (f" ({e.who})" if e.who else ""), e.source) for e in facts.events
               if e.day is not None and start < e.day <= end]
    changes += _rating_changes(facts.trends, start, end)
    changes += [c for c in facts.problem_changes if (d := day_of(c.when)) is not None and start < d <= end]
    return sorted(changes, key=lambda c: c.when, reverse=True)


def caseload(conn: Connection, readable: set[str], week_end: date | None, today: date,
             cache: FactsCache | None = None) -> tuple[list[CaseloadPerson], date]:
    """The caseload with each person's changes in the week ending `week_end`. Without a date: the
    week ending today, or, when nothing at all happened in it, the latest week with recorded events.
    With a `cache`, only the people whose records changed since the last call are read again."""
    if cache is not None:
        facts = cache(conn, readable, today)
    else:
        facts = [person_facts(conn, pid, readable, today) for pid in caseload_ids(conn)]
    if week_end is None:
        days = [e.day for f in facts for e in f.events if e.day is not None and e.day <= today]
        recent = [d for d in days if d > today - WEEK]
        week_end = today if recent or not days else max(days)
    people = []
    for f in facts:
        row = replace(f.row, changes=_in_week(f, week_end))
        people.append(row)
    return sorted(people, key=lambda p: p.name.split()[-1:] + [p.name]), week_end
