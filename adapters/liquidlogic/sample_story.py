"""The social care story of a synthetic person, derived from their health record: a request, a
Care Act assessment whose eligibility outcomes follow from their conditions, a support plan with
services, reviews, and their unpaid carers. Plain data; `sample.py` renders it as an export."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from adapters.sample.people import REFERENCE_DATE, NetworkMember, Person

# Care Act outcome -> conditions that make it unachievable (keys of adapters.sample.clinical).
OUTCOME_CAUSES: dict[str, frozenset[str]] = {
    "managing-nutrition": frozenset({"dementia", "pressure_ulcer", "palliative_care"}),
    "maintaining-personal-hygiene": frozenset({"pressure_ulcer", "dementia", "housebound", "urinary_incontinence"}),
    "managing-toilet-needs": frozenset({"urinary_incontinence"}),
    "being-appropriately-clothed": frozenset({"dementia", "falls", "housebound"}),
    "using-home-safely": frozenset({"falls", "dementia"}),
    "maintaining-habitable-home": frozenset({"housebound"}),
    "developing-relationships": frozenset({"depression"}),
    "work-training-education-volunteering": frozenset(),
    "using-community-facilities": frozenset({"housebound", "copd", "heart_failure"}),
    "carrying-out-caring-responsibilities": frozenset(),
}
REASONS_BY_CONDITION = {
    "dementia": ("needs-assistance", "endangers-health-safety"),
    "pressure_ulcer": ("needs-assistance", "pain-distress-anxiety"),
    "falls": ("endangers-health-safety", "takes-significantly-longer"),
    "housebound": ("needs-assistance",),
    "urinary_incontinence": ("pain-distress-anxiety", "needs-assistance"),
    "depression": ("pain-distress-anxiety",),
    "palliative_care": ("needs-assistance",),
    "copd": ("takes-significantly-longer",),
    "heart_failure": ("takes-significantly-longer",),
}
PROVIDERS = (
    ("1-114477001", "Hartismere Home Care"),
    ("1-114477002", "Waveney Valley Carers"),
    ("1-114477003", "The Limes Residential Home"),
    ("1-114477004", "Mid Suffolk Community Equipment"),
    ("1-114477005", "Suffolk Reablement Service"),
)
WORKERS = (
    ("W0457", "Priya Shah", "Social Worker"),
    ("W0612", "Tom Reeve", "Community Care Officer"),
    ("W0733", "Aisha Bello", "Occupational Therapist"),
    ("W0810", "Gareth Lowe", "Social Worker"),
)


@dataclass(slots=True)
class Event:
    """One CLD event with the concept codes the renderer spells in R1 or R2 words."""

    kind: str  # request | assessment | service | review
    reference: str
    start: date
    end: date | None
    outcome: str
    description: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # CLD column -> concept code or literal


@dataclass(slots=True)
class Story:
    """Everything social care knows about one service user."""

    la_person_id: str
    psr: str
    funding: str
    events: list[Event]
    outcomes: dict[str, tuple[bool, tuple[str, ...]]]  # Care Act outcome -> (can achieve, reasons)
    eligible: bool
    worker: tuple[str, str, str]
    carers: list[NetworkMember]


def la_person_id(person: Person) -> str:
    return str(person.number + 300000)


def carer_person_id(person: Person, member: NetworkMember) -> str:
    return str(700000 + person.number * 10 + member.number)


def _psr(person: Person, rng: random.Random) -> str:
    keys = person.condition_keys
    if "dementia" in keys:
        return "memory-cognition"
    if keys & {"pressure_ulcer", "housebound", "palliative_care", "urinary_incontinence"}:
        return "physical-personal-care"
    if keys & {"falls", "copd", "heart_failure"}:
        return "physical-access-mobility"
    if "depression" in keys:
        return "mental-health"
    return rng.choice(("physical-access-mobility", "social-isolation-other", "learning-disability", "sensory-visual"))


def _outcomes(person: Person, rng: random.Random) -> dict[str, tuple[bool, tuple[str, ...]]]:
    keys = person.condition_keys
    out = {}
    for outcome, causes in OUTCOME_CAUSES.items():
        hit = sorted(keys & causes)
        if outcome == "maintaining-habitable-home" and not person.lives_alone:
            hit = []
        if outcome == "developing-relationships" and person.lives_alone and "dementia" in keys:
            hit = [*hit, "dementia"]
        if hit and rng.random() < 0.85:
            reasons = sorted({r for key in hit for r in REASONS_BY_CONDITION.get(key, ("needs-assistance",))})
            out[outcome] = (False, tuple(reasons))
        else:
            out[outcome] = (True, ())
    return out


def build_story(person: Person, rng: random.Random) -> Story:
    """The person's social care events up to the reference date (or their death)."""
    pid = la_person_id(person)
    outcomes = _outcomes(person, rng)
    unmet = sum(1 for can, _ in outcomes.values() if not can)
    eligible = unmet >= 2
    last_day = min(REFERENCE_DATE, person.death_date or REFERENCE_DATE)
    anchor = person.caseload_start or (REFERENCE_DATE - timedelta(days=rng.randint(60, 900)))
    request_start = min(anchor + timedelta(days=rng.randint(-60, 60)), last_day - timedelta(days=45))
    counter = iter(range(1, 100))

    def ref(prefix: str) -> str:
        return f"{prefix}-{pid}-{next(counter):02d}"

    hospital = rng.random() < 0.3
    route = "discharge-from-hospital" if hospital else rng.choice(("community-other",) * 5 + ("self-funder",))
    events = [
        Event(
            "request",
            ref("REQ"),
            request_start,
            request_start + timedelta(days=rng.randint(0, 3)),
            "progress-to-assessment-or-review",
            "Referral for support at home",
            {"Request_Route_of_Access": route},
        )
    ]
    if route == "self-funder" and rng.random() < 0.5:
        events[0].outcome = "nfa-information-and-advice"
        return Story(pid, _psr(person, rng), "fully-client-funded", events, outcomes, False, rng.choice(WORKERS), [])
    start = events[0].end or request_start
    if hospital:
        reablement_end = start + timedelta(days=42)
        events.append(
            Event(
                "service",
                ref("SRV"),
                start + timedelta(days=1),
                reablement_end if reablement_end < last_day else None,
                "progress-to-assessment-or-review",
                "Reablement after discharge",
                {
                    "Service_Type": "short-term-st-max",
                    "Service_Component": "reablement",
                    "Delivery_Mechanism": "cassr-commissioned-support",
                    "provider": "4",
                },
            )
        )
        start = reablement_end
    assessed = min(start + timedelta(days=rng.randint(7, 28)), last_day - timedelta(days=10))
    events.append(
        Event(
            "assessment",
            ref("ASM"),
            assessed - timedelta(days=rng.randint(3, 14)),
            assessed,
            "progress-to-support-planning" if eligible else "nfa-information-and-advice",
            "Care Act assessment",
            {
                "Assessment_Type": "long-term",
                "Eligible_Needs_Identified": "yes" if eligible else "no",
                "Method_of_Assessment": rng.choice(("face-to-face",) * 4 + ("telephone",)),
            },
        )
    )
    if eligible:
        events.extend(_services(person, rng, ref, assessed, last_day))
        review_day = assessed + timedelta(days=rng.randint(150, 360))
        if review_day < last_day:
            met = rng.choice(("fully-met", "partially-met", "partially-met", "not-met"))
            events.append(
                Event(
                    "review",
                    ref("REV"),
                    review_day,
                    review_day,
                    "continuation-of-support",
                    "Planned review",
                    {
                        "Review_Reason": "planned",
                        "Review_Outcomes_Achieved": met,
                        "Method_of_Review": rng.choice(("face-to-face", "telephone")),
                    },
                )
            )
    if person.death_date is not None:
        for event in events:
            if event.kind == "service" and event.end is None:
                event.end, event.outcome = person.death_date, "nfa-deceased"
    funding = rng.choice(("fully-social-care-funded", "joint-funded", "joint-funded")) if eligible else "unknown"
    carers = [m for m in person.network if m.cares_for_patient]
    return Story(pid, _psr(person, rng), funding, events, outcomes, eligible, rng.choice(WORKERS), carers)


def _services(
    person: Person, rng: random.Random, make_ref: Callable[[str], str], assessed: date, last_day: date
) -> list[Event]:
    start = assessed + timedelta(days=rng.randint(3, 14))
    severe = person.condition_keys & {"pressure_ulcer", "dementia"}

    def service(description: str, fields: dict[str, str], end: date | None = None,
                outcome: str = "continuation-of-support") -> Event:
        return Event("service", make_ref("SRV"), start, end, outcome, description, fields)

    out = []
    if severe and rng.random() < 0.15:
        out.append(service("Long-term residential care", {
            "Service_Type": "long-term-residential",
            "Service_Component": "long-term-residential",
            "Delivery_Mechanism": "cassr-commissioned-support",
            "provider": "2",
            "Unit_Cost": f"{rng.randint(850, 1150)}.00",
            "Cost_Frequency_Unit_Type": "Weekly",
            "Planned_units_per_week": "1",
        }))
    else:
        calls = rng.choice((7, 10.5, 14, 21)) if severe else rng.choice((3.5, 5, 7))
        mechanism = rng.choice(
            ("cassr-managed-personal-budget",) * 3 + ("direct-payment", "cassr-commissioned-support")
        )
        out.append(service("Home care: washing, dressing and meals", {
            "Service_Type": "long-term-community",
            "Service_Component": "home-support",
            "Delivery_Mechanism": mechanism,
            "provider": str(rng.randint(0, 1)),
            "Unit_Cost": f"{rng.randint(2100, 2650) / 100:.2f}",
            "Cost_Frequency_Unit_Type": "Hourly",
            "Planned_units_per_week": f"{calls:g}",
        }))
    if person.condition_keys & {"falls", "housebound"} and rng.random() < 0.6:
        end = start + timedelta(days=1)
        out.append(service("Bathing aids and grab rails", {
            "Service_Type": "short-term-other",
            "Service_Component": "equipment",
            "Delivery_Mechanism": "cassr-commissioned-support",
            "provider": "3",
        }, end if end < last_day else None, "nfa-support-ended-as-planned"))
    return out
