"""`write_export`: the Liquidlogic-style export of the synthetic people, as a council would send it.

Overlaps are realistic: most people are known to both systems, some only to the GP record, a few
only to social care; some carry a typo, a maiden name, a day/month swap or an old address; a few
have no NHS number. Coded values are spelt in Release 1 or Release 2 words (and their variants),
read back from the code maps so every spelling used is one the adapter accepts. A few rows and one
form are deliberately broken. The same people and seed always give the same files.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from adapters.codemaps import CodeMaps, default_maps
from adapters.liquidlogic.parse import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from adapters.liquidlogic.sample_forms import assessment_form, review_form, support_plan_form
from adapters.liquidlogic.sample_story import (
    PROVIDERS,
    Story,
    build_story,
    carer_person_id,
)
from adapters.nhs_number import generate_test_number
from adapters.sample.people import REFERENCE_DATE, Person, generate_people

LA_CODE = "935"
COLUMNS = [
    *REQUIRED_COLUMNS[:5],
    "Person_Given_Name",
    "Person_Family_Name",
    "Address_Line_1",
    "Address_Line_2",
    "Address_Town",
    *[
        c
        for c in (*REQUIRED_COLUMNS[5:], *OPTIONAL_COLUMNS)
        if c not in ("Person_Given_Name", "Person_Family_Name", "Address_Line_1", "Address_Line_2", "Address_Town")
    ],
]
_ETHNICITY_NOT_KNOWN = "99"  # UK Core EthnicCategoryEngland: Not known


class Speller:
    """Spells a concept code in one of the words the code map accepts for it (R1, R2 or a variant)."""

    def __init__(self, maps: CodeMaps, rng: random.Random) -> None:
        self.maps = maps
        self.rng = rng

    def words(self, map_name: str, code: str) -> str:
        options = sorted(source for source, target in self.maps[map_name].entries.items() if target.code == code)
        text = self.rng.choice(options)
        roll = self.rng.random()
        if roll < 0.08:
            return text.upper() if len(text) < 30 else text.lower()
        if roll < 0.16 and " and " in text:
            return text.replace(" and ", " & ")
        return text


def write_export(people: list[Person], out_dir: Path, seed: int) -> Path:
    """Write `cld_events.csv` and `forms/*.json` for `people` into `out_dir`; returns `out_dir`."""
    out_dir = Path(out_dir)
    (out_dir / "forms").mkdir(parents=True, exist_ok=True)
    for old in (out_dir / "forms").glob("*.json"):
        old.unlink()
    maps = default_maps()
    rng = random.Random(f"liquidlogic-sample:{seed}")
    rows: list[dict[str, str]] = []
    for person in _social_care_population(people, seed, rng):
        prng = random.Random(f"liquidlogic-sample:{seed}:{person.number}")
        shown = _as_social_care_sees(person, prng)
        story = build_story(person, prng)
        speller = Speller(maps, prng)
        base = _person_fields(shown, story, speller, prng)
        for event in story.events:
            rows.append({**base, **_event_fields(event, story, speller)})
        rows.extend(_carer_rows(person, story, speller, prng))
        for form in _forms(person, story):
            (out_dir / "forms" / f"{form['form_id']}.json").write_text(
                json.dumps(form, indent=2) + "\n", encoding="utf-8"
            )
    _break_some(rows, out_dir, rng)
    with (out_dir / "cld_events.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return out_dir


def _social_care_population(people: list[Person], seed: int, rng: random.Random) -> list[Person]:
    """Most caseload people, a few others (younger adults with support needs), and two or three
    people the GP record does not hold (generated past the end of `people`)."""
    chosen = [
        p for p in people if (p.on_caseload and rng.random() < 0.85) or (not p.on_caseload and rng.random() < 0.06)
    ]
    extra = max(2, len(people) // 40)
    numbers = {p.number for p in people}
    others = [p for p in generate_people(len(people) + extra, seed)[len(people) :] if p.number not in numbers]
    return chosen + others


def _as_social_care_sees(person: Person, rng: random.Random) -> Person:
    """The person's demographics as the council holds them: mostly the same, sometimes not."""
    roll = rng.random()
    if roll < 0.05 and len(person.family_name) > 3:
        name = person.family_name
        i = rng.randrange(1, len(name) - 2)
        person = replace(person, family_name=name[:i] + name[i + 1] + name[i] + name[i + 2 :])
    elif roll < 0.10 and person.previous_surname:
        person = replace(person, family_name=person.previous_surname)
    elif roll < 0.13 and person.birth_date.day <= 12 and person.birth_date.day != person.birth_date.month:
        born = person.birth_date
        person = replace(person, birth_date=date(born.year, born.day, born.month))
    elif roll < 0.20 and len(person.addresses) > 1:
        person = replace(person, addresses=person.addresses[:-1])
    if rng.random() < 0.04:
        person = replace(person, nhs_number=None)
    return person


def _person_fields(person: Person, story: Story, speller: Speller, rng: random.Random) -> dict[str, str]:
    address = person.addresses[-1]
    line1 = " ".join(p for p in (address.house_name, address.house_number, address.road) if p)
    keys = person.condition_keys
    ethnicity = speller.maps["liquidlogic-ethnicity"]

    def flag(yes: bool) -> str:
        return speller.words("liquidlogic-flag", "yes" if yes else "no")

    return {
        "LA_Code": LA_CODE,
        "Reporting_Period_Start_Date": date(REFERENCE_DATE.year, 7, 1).isoformat(),
        "Reporting_Period_End_Date": date(REFERENCE_DATE.year, 9, 30).isoformat(),
        "LA_Person_Unique_Identifier": story.la_person_id,
        "NHS_Number": person.nhs_number or "",
        "Person_Given_Name": " ".join(person.given_names),
        "Person_Family_Name": person.family_name,
        "Address_Line_1": line1,
        "Address_Line_2": address.locality,
        "Address_Town": address.town,
        "Postcode": address.postcode,
        "GP_Practice_Code": person.practice.ods_code,
        "GP_Practice_Name": person.practice.name,
        "Gender": speller.words("liquidlogic-gender", speller.maps["systmone-gender"].lookup(person.sex).code),
        "Ethnicity": ethnicity.spelling(person.ethnic_category) or ethnicity.spelling(_ETHNICITY_NOT_KNOWN) or "",
        "Date_of_Birth": person.birth_date.strftime("%d/%m/%Y")
        if rng.random() < 0.3
        else person.birth_date.isoformat(),
        "Date_of_Death": person.death_date.isoformat() if person.death_date else "",
        "Client_Type": speller.words("liquidlogic-client-type", "service-user"),
        "Primary_Support_Reason": speller.words("liquidlogic-primary-support-reason", story.psr),
        "Accommodation_Status": speller.words(
            "liquidlogic-accommodation-status", "owner-occupier" if rng.random() < 0.7 else "tenant-social-housing"
        ),
        "Employment_Status": speller.words(
            "liquidlogic-employment-status", "not-seeking-or-retired" if person.age() >= 65 else "unknown"
        ),
        "Has_Unpaid_Carer": flag(bool(story.carers)),
        "Dementia": flag("dementia" in keys),
        "Visual_Impairment": flag(story.psr == "sensory-visual"),
        "Autism_Spectrum_Disorder_ASD": speller.words("liquidlogic-flag", "unknown"),
        "Client_Funding_Status": speller.words("liquidlogic-funding-status", story.funding),
    }


def _event_fields(event: Any, story: Story, speller: Speller) -> dict[str, str]:
    maps = {
        "Request_Route_of_Access": "liquidlogic-route-of-access",
        "Assessment_Type": "liquidlogic-assessment-type",
        "Eligible_Needs_Identified": "liquidlogic-flag",
        "Method_of_Assessment": "liquidlogic-method",
        "Method_of_Review": "liquidlogic-method",
        "Service_Type": "liquidlogic-service-type",
        "Service_Component": "liquidlogic-service-component",
        "Delivery_Mechanism": "liquidlogic-delivery-mechanism",
        "Review_Reason": "liquidlogic-review-reason",
        "Review_Outcomes_Achieved": "liquidlogic-review-outcome",
    }
    out = {
        "Event_Type": speller.words("liquidlogic-event-type", event.kind),
        "Event_Reference": event.reference,
        "Event_Start_Date": event.start.isoformat(),
        "Event_End_Date": event.end.isoformat() if event.end else "",
        "Event_Description": event.description,
        "Event_Outcome": speller.words("liquidlogic-event-outcome", event.outcome),
    }
    for column, value in event.fields.items():
        if column == "provider":
            out["Provider_CQC_Location_ID"], out["Provider_CQC_Location_Name"] = PROVIDERS[int(value)]
        elif column in maps:
            out[column] = speller.words(maps[column], value)
        else:
            out[column] = value
    return out


def _carer_rows(person: Person, story: Story, speller: Speller, rng: random.Random) -> list[dict[str, str]]:
    """Unpaid carers known by association (no events) and, for some principal carers, a carer's
    assessment and a direct payment to the carer."""
    rows = []
    for member in story.carers:
        cid = carer_person_id(person, member)
        born = member.birth_date or (person.birth_date + timedelta(days=365 * rng.randint(-30, 5)))
        base = {
            "LA_Code": LA_CODE,
            "Reporting_Period_Start_Date": date(REFERENCE_DATE.year, 7, 1).isoformat(),
            "Reporting_Period_End_Date": date(REFERENCE_DATE.year, 9, 30).isoformat(),
            "LA_Person_Unique_Identifier": cid,
            "NHS_Number": generate_test_number(rng) if rng.random() < 0.6 else "",
            "Person_Given_Name": member.given,
            "Person_Family_Name": member.family,
            "Postcode": person.addresses[-1].postcode if member.lives_with else person.practice.postcode,
            "Gender": speller.words("liquidlogic-gender", speller.maps["systmone-gender"].lookup(member.sex).code),
            "Ethnicity": speller.maps["liquidlogic-ethnicity"].spelling("A") or "",
            "Date_of_Birth": born.isoformat(),
            "Primary_Support_Reason": speller.words("liquidlogic-primary-support-reason", "social-support-to-carer"),
            "Total_Hrs_Caring_per_week": str(rng.choice((10, 20, 35, 50))),
            "No_of_adults_being_cared_for": "1",
            "Adult_1_Linked_Person_ID": story.la_person_id,
            "Has_Unpaid_Carer": speller.words("liquidlogic-flag", "no"),
        }
        if member.principal_carer and story.eligible and rng.random() < 0.5:
            start = story.events[-1].start
            base["Client_Type"] = speller.words("liquidlogic-client-type", "unpaid-carer")
            rows.append(
                {
                    **base,
                    "Event_Type": speller.words("liquidlogic-event-type", "assessment"),
                    "Event_Reference": f"ASM-{cid}-01",
                    "Event_Start_Date": start.isoformat(),
                    "Event_End_Date": (start + timedelta(days=7)).isoformat(),
                    "Event_Description": "Carer's assessment",
                    "Event_Outcome": speller.words("liquidlogic-event-outcome", "progress-to-support-planning"),
                    "Assessment_Type": speller.words("liquidlogic-assessment-type", "long-term"),
                    "Method_of_Assessment": speller.words("liquidlogic-method", "face-to-face"),
                }
            )
            rows.append(
                {
                    **base,
                    "Event_Type": speller.words("liquidlogic-event-type", "service"),
                    "Event_Reference": f"SRV-{cid}-02",
                    "Event_Start_Date": (start + timedelta(days=14)).isoformat(),
                    "Event_Description": "Carer's direct payment for breaks",
                    "Event_Outcome": speller.words("liquidlogic-event-outcome", "continuation-of-support"),
                    "Service_Type": speller.words("liquidlogic-service-type", "carer-support-direct"),
                    "Service_Component": speller.words("liquidlogic-service-component", "direct-payment"),
                    "Delivery_Mechanism": speller.words("liquidlogic-delivery-mechanism", "direct-payment"),
                    "Unit_Cost": "300.00",
                    "Cost_Frequency_Unit_Type": "Annual",
                    "Planned_units_per_week": "0.02",
                }
            )
        else:
            base["Client_Type"] = speller.words("liquidlogic-client-type", "unpaid-carer-known-by-association")
            rows.append(base)
    return rows


def _forms(person: Person, story: Story) -> list[dict[str, Any]]:
    out = []
    for event in story.events:
        if event.kind == "assessment":
            out.append(assessment_form(person, story, event))
            if story.eligible:
                out.append(support_plan_form(person, story, event))
        elif event.kind == "review":
            out.append(review_form(story, event))
    return out


def _break_some(rows: list[dict[str, str]], out_dir: Path, rng: random.Random) -> None:
    """The faults real exports have: an event type CLD does not know, an impossible date, a
    missing mandatory field, and one form that does not follow the schema."""
    events = [r for r in rows if r.get("Event_Type")]
    if len(events) >= 3:
        faulty = rng.sample(events, 3)
        faulty[0]["Event_Type"] = "Contact"
        faulty[1]["Event_End_Date"] = "31/02/2025"
        faulty[2]["Postcode"] = ""
    forms = sorted((out_dir / "forms").glob("CAA-*.json"))
    if forms:
        victim = forms[rng.randrange(len(forms))]
        broken = json.loads(victim.read_text(encoding="utf-8"))
        broken["outcomes"].pop("managing-toilet-needs", None)
        broken["eligibility"]["decision"] = "maybe"
        victim.write_text(json.dumps(broken, indent=2) + "\n", encoding="utf-8")
