"""What matters about a person in ten seconds: the card at the top of the person page. Each line
is a safety fact a visiting nurse checks before she knocks (allergies, alerts, falls, medication,
problems, the carer, social care in place, who is named on each side), with the systems it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gateway.pages.falls import Fall, falls_within
from gateway.pages.record import PersonRecord
from gateway.pages.sections import Line, Sections, Supporter
from gateway.pages.sources import SOURCES, Source, source_of
from gateway.pages.text import show_day


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """One line of the card: a label, what it says, the systems that say it, and where to read more."""

    key: str
    label: str
    text: str
    sources: list[Source] = field(default_factory=list)
    link: str | None = None
    alert: bool = False


def _sources(lines: list[Line]) -> list[Source]:
    out: list[Source] = []
    for line in lines:
        if line.source not in out:
            out.append(line.source)
    return out


def _allergies(s: Sections) -> SummaryLine:
    if not s.allergies:
        return SummaryLine("allergies", "Allergies", "None recorded", link="#allergies")
    text = "; ".join(f"{a.text} ({a.detail})" if a.detail else a.text for a in s.allergies)
    return SummaryLine("allergies", "Allergies", text, _sources(s.allergies), "#allergies", alert=True)


def _falls(found: list[Fall], today: date) -> SummaryLine:
    if not found:
        return SummaryLine("falls", "Falls", "None recorded")
    recent = falls_within(found, today)
    latest = found[0]
    count = f"{recent} in the last 12 months" if recent else "none in the last 12 months"
    sources = [src for f in found for src in f.sources]
    return SummaryLine("falls", "Falls", f"Latest {show_day(latest.day.isoformat())}; {count}",
                       list(dict.fromkeys(sources)), "#timeline", alert=recent > 0)


def _medication(s: Sections) -> SummaryLine:
    n = len(s.medication)
    text = "None recorded" if n == 0 else f"{n} current item{'' if n == 1 else 's'}"
    return SummaryLine("medication", "Medication", text, _sources(s.medication), "#medication")


def _problems(s: Sections, omaha_active: int) -> SummaryLine:
    names = [p.text for p in s.problems]
    if not names and not omaha_active:
        return SummaryLine("problems", "Open problems", "None recorded", link="#problems")
    parts = []
    if names:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        parts.append(shown)
    if omaha_active:
        parts.append(f"{omaha_active} in the team's assessment")
    return SummaryLine("problems", "Open problems", "; ".join(parts), _sources(s.problems), "#problems")


def _is_carer(p: Supporter) -> bool:
    words = " ".join([p.relationship, *p.roles]).lower()
    return "carer" in words or "cares" in words


def _carer(s: Sections) -> SummaryLine:
    carers = sorted((p for p in s.network if _is_carer(p)), key=lambda p: not p.contact)
    if not carers:
        return SummaryLine("carer", "Main carer", "None recorded", link="#network")
    main = carers[0]
    contact = next((p.contact for p in carers if p.name == main.name and p.contact), "")
    relationship = next((p.relationship for p in carers if p.name == main.name and p.relationship
                         and "carer" not in p.relationship.lower()), main.relationship)
    text = main.name + (f" ({relationship})" if relationship else "") + (f", {contact}" if contact else "")
    sources = list(dict.fromkeys(p.source for p in carers if p.name == main.name))
    return SummaryLine("carer", "Main carer", text, sources, "#network")


def _social_care(s: Sections) -> SummaryLine:
    active = s.services_in_place
    if not active:
        return SummaryLine("social-care", "Social care in place", "None recorded", link="#social")
    names = ", ".join(line.text for line in active)
    budget = f"; personal budget {s.budget}" if s.budget else ""
    return SummaryLine("social-care", "Social care in place", names + budget, _sources(active), "#social")


def _social_worker(record: PersonRecord) -> tuple[str, Source] | None:
    """The council worker on the latest social care assessment or encounter (Liquidlogic's named worker)."""
    patients = record.patients
    candidates: list[tuple[str, str]] = []
    for res in record.of("QuestionnaireResponse"):
        if source_of(res, patients).key == "liquidlogic":
            name = record.name_of(res.get("author"))
            if name:
                candidates.append((str(res.get("authored", "")), name))
    for res in record.of("Encounter"):
        if source_of(res, patients).key == "liquidlogic":
            for p in res.get("participant", []):
                name = record.name_of(p.get("individual"))
                if name:
                    candidates.append((str((res.get("period") or {}).get("start", "")), name))
    if not candidates:
        return None
    return max(candidates)[1], SOURCES["liquidlogic"]


def _workers(s: Sections, record: PersonRecord) -> SummaryLine:
    parts: list[str] = []
    sources: list[Source] = []
    if s.named_nurse:
        parts.append(f"Nurse {s.named_nurse.text}")
        sources.append(s.named_nurse.source)
    social = _social_worker(record)
    if social:
        parts.append(f"Social worker {social[0]}")
        sources.append(social[1])
    return SummaryLine("workers", "Named workers", "; ".join(parts) or "None recorded", sources)


def summary_card(record: PersonRecord, s: Sections, found_falls: list[Fall], omaha_active: int,
                 today: date) -> list[SummaryLine]:
    """The card's lines in the order a visiting nurse reads them."""
    lines = [_allergies(s)]
    if s.flags:
        lines.append(SummaryLine("alerts", "Alerts", "; ".join(f.text for f in s.flags), _sources(s.flags),
                                 alert=True))
    lines += [_falls(found_falls, today), _medication(s), _problems(s, omaha_active), _carer(s), _social_care(s),
              _workers(s, record)]
    return lines
