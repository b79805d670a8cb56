"""The person page's sections, read from the gathered record: problem list, medication, allergies,
social care services and support plan, unpaid carers and informal network, the named nurse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.pages.caseload_marker import caseload_marker, is_caseload_marker
from gateway.pages.record import PersonRecord
from gateway.pages.sources import Source, is_omaha, source_of
from gateway.pages.text import concept_text, period_of, show_day
from gateway.pages.words import activity_status_words, category_words

FhirJson = dict[str, Any]
_HOURS = "https://care-gateway.example/fhir/StructureDefinition/unpaid-care-hours-per-week"
_BUDGET = "https://care-gateway.example/fhir/StructureDefinition/social-care-personal-budget-weekly"
_INFORMAL = "informal-support"
IN_PLACE = ("in-progress", "on-hold")


@dataclass(frozen=True, slots=True)
class Line:
    """One fact: what, a detail line, when, and the system it came from."""

    text: str
    detail: str
    when: str
    source: Source


@dataclass(frozen=True, slots=True)
class Supporter:
    """Someone in the person's informal network: family, neighbour, unpaid carer."""

    name: str
    relationship: str
    roles: list[str]
    contact: str
    source: Source


@dataclass
class Sections:
    named_nurse: Line | None = None
    problems: list[Line] = field(default_factory=list)
    medication: list[Line] = field(default_factory=list)
    allergies: list[Line] = field(default_factory=list)
    services: list[Line] = field(default_factory=list)
    services_in_place: list[Line] = field(default_factory=list)  # the services running now (or on hold)
    goals: list[Line] = field(default_factory=list)
    budget: str | None = None
    network: list[Supporter] = field(default_factory=list)
    flags: list[Line] = field(default_factory=list)


def _status(res: FhirJson) -> str | None:
    coding = (res.get("clinicalStatus") or {}).get("coding") or [{}]
    code: str | None = coding[0].get("code")
    return code


def _problems(record: PersonRecord, patients: dict[str, FhirJson]) -> list[Line]:
    out = []
    for res in record.of("Condition"):
        if is_omaha(res) or _status(res) not in ("active", "recurrence", "relapse"):
            continue
        category = ", ".join(c for c in (category_words(x) for x in res.get("category", [])) if c)
        out.append(Line(concept_text(res.get("code")) or "Condition", category,
                        res.get("onsetDateTime") or res.get("recordedDate") or "", source_of(res, patients)))
    return sorted(out, key=lambda line: line.when, reverse=True)


def _medication(record: PersonRecord, patients: dict[str, FhirJson]) -> list[Line]:
    """Current repeat templates, and the latest issue of any other active item."""
    latest: dict[str, Line] = {}
    for res in sorted(record.of("MedicationRequest"), key=lambda r: str(r.get("authoredOn", ""))):
        if res.get("status") not in ("active", "on-hold") and res.get("intent") != "plan":
            continue
        if res.get("intent") == "plan" and res.get("status") not in ("active", "on-hold", "completed"):
            continue
        name = concept_text(res.get("medicationCodeableConcept")) or "Medication"
        dose = "; ".join(d.get("text", "") for d in res.get("dosageInstruction", []) if d.get("text"))
        end = period_of((res.get("dispenseRequest") or {}).get("validityPeriod"))[1]
        detail = dose + (f" (until {show_day(end)})" if end else "")
        latest[name] = Line(name, detail, res.get("authoredOn", ""), source_of(res, patients))
    return sorted(latest.values(), key=lambda line: line.text)


def _allergies(record: PersonRecord, patients: dict[str, FhirJson]) -> list[Line]:
    out = []
    for res in record.of("AllergyIntolerance"):
        reactions = [concept_text(m) for r in res.get("reaction", []) for m in r.get("manifestation", [])]
        out.append(Line(concept_text(res.get("code")) or "Allergy", ", ".join(r for r in reactions if r),
                        res.get("recordedDate", ""), source_of(res, patients)))
    return out


def _is_informal(detail: FhirJson) -> bool:
    return any(c.get("code") == _INFORMAL for c in (detail.get("code") or {}).get("coding", []))


def _plans(record: PersonRecord, patients: dict[str, FhirJson], sections: Sections) -> None:
    for plan in record.of("CarePlan"):
        if is_omaha(plan):
            continue
        source = source_of(plan, patients)
        for ext in plan.get("extension", []):
            if ext.get("url") == _BUDGET:
                money = ext.get("valueMoney") or {}
                sections.budget = f"£{money.get('value', 0):,.2f} a week"
        for activity in plan.get("activity", []):
            detail = activity.get("detail") or {}
            if _is_informal(detail):
                continue
            start, end = period_of(detail.get("scheduledPeriod"))
            by = ", ".join(p.get("display", "") for p in detail.get("performer", []) if p.get("display"))
            when = f"from {show_day(start)}" + (f" to {show_day(end)}" if end else "") if start else ""
            text = concept_text(detail.get("code")) or "Service"
            status = detail.get("status", "")
            line = Line(f"{text} ({activity_status_words(status)})" if status else text,
                        "; ".join(x for x in (detail.get("description"), by) if x), when, source)
            sections.services.append(line)
            if status in IN_PLACE:
                sections.services_in_place.append(Line(text, line.detail, when, source))
    for goal in record.of("Goal"):
        sections.goals.append(Line(concept_text(goal.get("description")) or "Goal", goal.get("lifecycleStatus", ""),
                                   goal.get("startDate", ""), source_of(goal, patients)))


def _supporting_roles(record: PersonRecord) -> dict[str, list[str]]:
    """What each related person does for the person, from the support plans' informal support."""
    out: dict[str, list[str]] = {}
    for plan in record.of("CarePlan"):
        for activity in plan.get("activity", []):
            detail = activity.get("detail") or {}
            if _is_informal(detail) and detail.get("description"):
                for performer in detail.get("performer", []):
                    out.setdefault(str(performer.get("reference", "")), []).append(detail["description"])
    return out


def _person_name(res: FhirJson) -> str:
    for name in res.get("name", []):
        text = name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
        if text:
            return str(text)
    return ""


def _network(record: PersonRecord, patients: dict[str, FhirJson]) -> list[Supporter]:
    support = _supporting_roles(record)
    out = []
    for res in record.of("RelatedPerson"):
        names = [_person_name(res)]
        relationship = [concept_text(r) for r in res.get("relationship", [])]
        roles = [r for r in relationship[1:] if r]
        hours = next((e.get("valueDecimal") for e in res.get("extension", []) if e.get("url") == _HOURS), None)
        if hours is not None:
            roles.append(f"cares {hours:g} hours a week")
        roles.extend(support.get(f"RelatedPerson/{res['id']}", []))
        contact = ", ".join(t.get("value", "") for t in res.get("telecom", []) if t.get("value"))
        out.append(Supporter(names[0] or "Someone", (relationship[0] or "") if relationship else "", roles, contact,
                             source_of(res, patients)))
    return sorted(out, key=lambda s: (s.name, s.source.label))


def _named_nurse(record: PersonRecord, patients: dict[str, FhirJson]) -> Line | None:
    markers = [o for o in record.of("Observation") if is_caseload_marker(o)]
    if not markers:
        return None
    latest = max(markers, key=lambda o: str(o.get("effectiveDateTime", "")))
    who = record.name_of(next(iter(latest.get("performer", [])), None)) or "not recorded"
    return Line(who, caseload_marker().label, latest.get("effectiveDateTime", ""), source_of(latest, patients))


def _flags(record: PersonRecord, patients: dict[str, FhirJson]) -> list[Line]:
    return [Line(concept_text(f.get("code")) or "Flag", "", period_of(f.get("period"))[0] or "",
                 source_of(f, patients)) for f in record.of("Flag") if f.get("status") == "active"]


def sections(record: PersonRecord) -> Sections:
    patients = record.patients
    out = Sections(
        named_nurse=_named_nurse(record, patients),
        problems=_problems(record, patients),
        medication=_medication(record, patients),
        allergies=_allergies(record, patients),
        network=_network(record, patients),
        flags=_flags(record, patients),
    )
    _plans(record, patients, out)
    return out
