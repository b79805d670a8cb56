"""One timeline of health and social care events for a person, newest first, each event with the
system it came from. One small reader per resource type, looked up by type."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from gateway.pages.falls import is_fall
from gateway.pages.record import FhirJson, PersonRecord
from gateway.pages.sources import Source, is_omaha, source_of
from gateway.pages.text import concept_text, day_of, period_of
from gateway.pages.words import unit_words


@dataclass(frozen=True, slots=True)
class Event:
    """One dated thing that happened; `when` is an ISO date or dateTime (sortable as text)."""

    when: str
    kind: str
    text: str
    source: Source
    who: str | None = None
    also: tuple[Source, ...] = ()  # further systems that record the same event (merged into this one)

    @property
    def day(self) -> date | None:
        return day_of(self.when)

    @property
    def sources(self) -> list[Source]:
        return [self.source, *(s for s in self.also if s != self.source)]


FALL = "Fall"
PLANNED = {"proposed", "pending", "booked", "waitlist"}  # appointments that have not happened (yet)
Found = Iterator[tuple[str | None, str, str, str | None]]  # (when, kind, text, who)


def _encounters(res: FhirJson, record: PersonRecord) -> Found:
    kind = "Admission" if (res.get("class") or {}).get("code") in ("IMP", "ACUTE") else "Contact"
    types = [concept_text(t) for t in res.get("type", [])]
    who = next((record.name_of(p.get("individual")) for p in res.get("participant", [])), None)
    start, end = period_of(res.get("period"))
    yield start, kind, ", ".join(t for t in types if t) or "Encounter", who
    if kind == "Admission" and end:
        yield end, "Discharge", ", ".join(t for t in types if t) or "Discharge", who


def _appointments(res: FhirJson, record: PersonRecord) -> Found:
    what = concept_text(res.get("appointmentType")) or ", ".join(
        t for t in (concept_text(s) for s in res.get("serviceType", [])) if t) or "Appointment"
    who = next((record.name_of(p.get("actor")) for p in res.get("participant", [])
                if not str((p.get("actor") or {}).get("reference", "")).startswith("Patient/")), None)
    status = res.get("status", "booked")
    kind = "Booked appointment" if status in PLANNED else "Appointment"
    yield res.get("start"), kind, f"{what} ({status})", who


def _conditions(res: FhirJson, record: PersonRecord) -> Found:
    if is_omaha(res):
        return
    if is_fall(res):
        yield res.get("onsetDateTime") or res.get("recordedDate"), FALL, "Fall", record.name_of(res.get("recorder"))
        return
    when = res.get("recordedDate") or res.get("onsetDateTime")
    yield when, "Diagnosis", concept_text(res.get("code")) or "Condition", record.name_of(res.get("recorder"))


def _medication(res: FhirJson, record: PersonRecord) -> Found:
    # Repeat templates and acute items; each monthly issue of a repeat would drown the timeline.
    if res.get("intent") != "plan" and "continuous" in str(res.get("courseOfTherapyType")):
        return
    what = concept_text(res.get("medicationCodeableConcept")) or "Medication"
    label = "Repeat medication started" if res.get("intent") == "plan" else "Prescribed"
    yield res.get("authoredOn"), label, what, record.name_of(res.get("requester"))


def _service_requests(res: FhirJson, record: PersonRecord) -> Found:
    what = concept_text(res.get("code")) or "Referral"
    yield res.get("authoredOn"), "Referral", what, record.name_of(res.get("requester"))


def _immunisations(res: FhirJson, record: PersonRecord) -> Found:
    yield res.get("occurrenceDateTime"), "Immunisation", concept_text(res.get("vaccineCode")) or "Vaccine", None


def _observations(res: FhirJson, record: PersonRecord) -> Found:
    quantity = res.get("valueQuantity")
    if is_fall(res):
        yield res.get("effectiveDateTime"), FALL, "Fall", record.name_of(next(iter(res.get("performer", [])), None))
        return
    if is_omaha(res) or quantity is None:
        return  # ratings show in the assessment; coded findings without a value are noise here
    what = concept_text(res.get("code")) or "Measurement"
    unit = unit_words(quantity.get("code") or quantity.get("unit"))
    yield res.get("effectiveDateTime"), "Measurement", f"{what}: {quantity.get('value')} {unit}".rstrip(), \
        record.name_of(next(iter(res.get("performer", [])), None))


def _care_plans(res: FhirJson, record: PersonRecord) -> Found:
    if is_omaha(res):
        return
    for activity in res.get("activity", []):
        detail = activity.get("detail") or {}
        start, end = period_of(detail.get("scheduledPeriod"))
        if start is None and end is None:
            continue
        what = concept_text(detail.get("code")) or "Service"
        by = next((p.get("display") for p in detail.get("performer", []) if p.get("display")), None)
        text = f"{what}: {detail['description']}" if detail.get("description") else what
        yield start, "Service started", text, by
        if end:
            yield end, "Service stopped", text, by


def _responses(res: FhirJson, record: PersonRecord) -> Found:
    if is_omaha(res):
        yield _assessment_date(res) or res.get("authored"), "Assessment", "Integrated assessment (Omaha System)", \
            record.name_of(res.get("author"))
        return
    form = str(res.get("questionnaire", "")).rsplit("/", 1)[-1].replace("liquidlogic-", "").replace("-", " ")
    yield res.get("authored"), "Assessment", form.capitalize() or "Form", record.name_of(res.get("author"))


def _assessment_date(res: FhirJson) -> str | None:
    for item in res.get("item", []):
        if item.get("linkId") == "assessment-date":
            return next((a.get("valueDate") for a in item.get("answer", [])), None)
    return None


def _episodes(res: FhirJson, record: PersonRecord) -> Found:
    start, end = period_of(res.get("period"))
    what = ", ".join(t for t in (concept_text(c) for c in res.get("type", [])) if t) or "Episode of care"
    yield start, "Episode opened", what, None
    if end:
        yield end, "Episode closed", what, None


READERS: dict[str, Callable[[FhirJson, PersonRecord], Found]] = {
    "Encounter": _encounters,
    "Appointment": _appointments,
    "Condition": _conditions,
    "MedicationRequest": _medication,
    "ServiceRequest": _service_requests,
    "Immunization": _immunisations,
    "Observation": _observations,
    "CarePlan": _care_plans,
    "QuestionnaireResponse": _responses,
    "EpisodeOfCare": _episodes,
}


def _merge_key(event: Event) -> tuple[object, ...] | None:
    """Events with the same key are one thing that happened: a fall recorded twice on a day (by
    any system), or a visit recorded as a contact and as the appointment it fulfilled."""
    if event.kind == FALL:
        return (event.day, FALL)
    if event.kind == "Contact":
        return (event.day, "visit", event.text, event.who)
    if event.kind == "Appointment" and event.text.endswith(" (fulfilled)"):
        return (event.day, "visit", event.text.removesuffix(" (fulfilled)"), event.who)
    return None


def _merged(events: list[Event]) -> list[Event]:
    kept: dict[tuple[object, ...], Event] = {}
    out: list[Event] = []
    for event in events:
        key = _merge_key(event)
        if key is None:
            out.append(event)
            continue
        first = kept.get(key)
        if first is None:
            kept[key] = event
            out.append(event)
            continue
        # The contact stays (it is the visit as it happened); the other record adds its source.
        keep, other = (event, first) if first.kind == "Appointment" and event.kind == "Contact" else (first, event)
        merged = Event(keep.when, keep.kind, keep.text, keep.source, keep.who or other.who,
                       tuple(dict.fromkeys([*keep.also, other.source, *other.also])))
        kept[key] = merged
        out[out.index(first)] = merged
    return out


def timeline(record: PersonRecord) -> list[Event]:
    """Every dated event in the record, newest first; one visit or one fall is one event."""
    patients = record.patients
    events = []
    for res_type, read in READERS.items():
        for res in record.of(res_type):
            source = source_of(res, patients)
            for when, kind, text, who in read(res, record):
                if when:
                    events.append(Event(str(when), kind, text, source, who))
    return _merged(sorted(events, key=lambda e: e.when, reverse=True))
