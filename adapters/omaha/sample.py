"""Synthetic Omaha System assessments for the sample caseload: the third source of the demo.

For each caseload person with an NHS number, two completed assessment forms (QuestionnaireResponse,
the gateway's Omaha Questionnaire) a month apart: the problems their health record suggests
(through `mappings/omaha/snomed-to-omaha.map.json`, at most three), rated on both dates so the trend
shows a change. Forms name their person by NHS number, as a form filled in away from the gateway
would; the loader (`gateway.assessments.load`) finds the person. Some caseload people are left
unassessed on purpose, so the suggestions have someone to suggest for.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from adapters.codemaps import default_maps
from adapters.nhs_number import NHS_NUMBER_SYSTEM as NHS_NUMBER
from adapters.omaha.questionnaire import QUESTIONNAIRE_URL
from adapters.omaha.vocabulary import CATEGORY, MODIFIER, PROBLEM, SIGN_SYMPTOM, TARGET, vocabulary
from adapters.sample.clinical import CONDITIONS
from adapters.sample.people import REFERENCE_DATE, Person

FhirJson = dict[str, Any]
ASSESSED_SHARE = 0.6  # of the caseload; the rest have suggestions waiting and no assessment yet
MAX_PROBLEMS = 3
FIRST_VISIT = REFERENCE_DATE - timedelta(days=56)
REVIEW = REFERENCE_DATE - timedelta(days=21)
# The intervention the sample records for every problem (surveillance of physical signs), plus a
# treatment for skin problems, so care plans have more than one kind of activity.
_SURVEILLANCE = ("04", "62", "Check signs and symptoms at each visit", "weekly")
_WOUND_CARE = ("02", "17", "Dress the wound, hydrocolloid", "every 3 days")
_FALLBACK_PROBLEM = "38"  # Personal care, for a caseload person whose record suggests nothing


def _coded(link_id: str, system: str, *codes: str) -> FhirJson:
    return {"linkId": link_id, "answer": [{"valueCoding": {"system": system, "code": c}} for c in codes]}


def _value(link_id: str, key: str, value: Any) -> FhirJson:
    return {"linkId": link_id, "answer": [{key: value}]}


def _rating(day: date, kbs: tuple[int, int, int]) -> FhirJson:
    return {"linkId": "problem.rating", "item": [
        _value("problem.rating.date", "valueDate", day.isoformat()),
        _value("problem.rating.knowledge", "valueInteger", kbs[0]),
        _value("problem.rating.behavior", "valueInteger", kbs[1]),
        _value("problem.rating.status", "valueInteger", kbs[2]),
    ]}


def _intervention(category: str, target: str, text: str, frequency: str) -> FhirJson:
    return {"linkId": "problem.intervention", "item": [
        _coded("problem.intervention.category", CATEGORY, category),
        _coded("problem.intervention.target", TARGET, target),
        _value("problem.intervention.description", "valueString", text),
        _value("problem.intervention.frequency", "valueString", frequency),
    ]}


def _problem(code: str, day: date, kbs: tuple[int, int, int]) -> FhirJson:
    first_sign = f"{code}.01"
    items = [_coded("problem.code", PROBLEM, code), _coded("problem.scope", MODIFIER, "individual"),
             _coded("problem.severity", MODIFIER, "actual")]
    if first_sign in vocabulary().signs_symptoms:
        items.append(_coded("problem.signs-symptoms", SIGN_SYMPTOM, first_sign))
    items.append(_rating(day, kbs))
    items.append(_intervention(*_SURVEILLANCE))
    if code == "24":
        items.append(_intervention(*_WOUND_CARE))
    return {"linkId": "problem", "item": items}


def form(person: Person, day: date, problems: list[tuple[str, tuple[int, int, int]]]) -> FhirJson:
    """One completed assessment of `person` on `day`, naming them by NHS number."""
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "subject": {"identifier": {"system": NHS_NUMBER, "value": person.nhs_number}},
        "authored": f"{day.isoformat()}T10:00:00+00:00",
        "item": [_value("assessment-date", "valueDate", day.isoformat()),
                 *(_problem(code, day, kbs) for code, kbs in problems)],
    }


def problems_for(person: Person) -> list[str]:
    """The Omaha problems the person's current diagnoses point at (first ones first, no repeats)."""
    snomed = default_maps()["snomed-to-omaha"]
    found: list[str] = []
    for diagnosis in person.diagnoses:
        if diagnosis.end is not None or diagnosis.key not in CONDITIONS:
            continue
        target = snomed.get(CONDITIONS[diagnosis.key].snomed)
        if target is not None and target.code not in found:
            found.append(target.code)
    return found[:MAX_PROBLEMS] or [_FALLBACK_PROBLEM]


def _kbs(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2, 4), rng.randint(2, 4), rng.randint(2, 4)


def _moved(rng: random.Random, kbs: tuple[int, int, int]) -> tuple[int, int, int]:
    """A month on: each rating one step better, the same, or (less often) one step worse."""
    return tuple(min(5, max(1, v + rng.choice((1, 1, 0, -1)))) for v in kbs)  # type: ignore[return-value]


def assessments(people: list[Person], seed: int) -> list[tuple[str, FhirJson]]:
    """(file name, form) for every sample assessment, first visits and reviews."""
    out: list[tuple[str, FhirJson]] = []
    for person in people:
        if not person.on_caseload or not person.nhs_number:
            continue
        rng = random.Random(f"care-gateway-omaha:{seed}:{person.number}")
        if rng.random() >= ASSESSED_SHARE:
            continue
        first = [(code, _kbs(rng)) for code in problems_for(person)]
        review = [(code, _moved(rng, kbs)) for code, kbs in first]
        out.append((f"{person.nhs_number}-{FIRST_VISIT.isoformat()}.json", form(person, FIRST_VISIT, first)))
        out.append((f"{person.nhs_number}-{REVIEW.isoformat()}.json", form(person, REVIEW, review)))
    return out


def write_assessments(people: list[Person], out: Path, seed: int) -> Path:
    """Write the sample assessment forms as one JSON file each under `out`; returns `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for name, qr in assessments(people, seed):
        (out / name).write_bytes(orjson.dumps(qr, option=orjson.OPT_INDENT_2))
    return out
