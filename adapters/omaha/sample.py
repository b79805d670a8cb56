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
from adapters.omaha.form_items import intervention, problem, rating, response
from adapters.omaha.vocabulary import vocabulary
from adapters.sample.clinical import CONDITIONS
from adapters.sample.people import REFERENCE_DATE, Person
from adapters.sample.places import STAFF
from adapters.systmone import ids as systmone_ids

FhirJson = dict[str, Any]
ASSESSED_SHARE = 0.6  # of the caseload; the rest have suggestions waiting and no assessment yet
MAX_PROBLEMS = 3
FIRST_VISIT = REFERENCE_DATE - timedelta(days=56)
REVIEW = REFERENCE_DATE - timedelta(days=21)
# The intervention the sample records for every problem (surveillance of physical signs), plus a
# treatment for skin problems, so care plans have more than one kind of activity.
_SURVEILLANCE = ("04", "62", "Check signs and symptoms at each visit", None, "weekly")
_WOUND_CARE = ("02", "17", "Dress the wound, hydrocolloid", None, "every 3 days")
_FALLBACK_PROBLEM = "38"  # Personal care, for a caseload person whose record suggests nothing


def _problem(code: str, day: date, kbs: tuple[int, int, int]) -> FhirJson:
    first_sign = f"{code}.01"
    signs = (first_sign,) if first_sign in vocabulary().signs_symptoms else ()
    treatments = [intervention(*_SURVEILLANCE)] + ([intervention(*_WOUND_CARE)] if code == "24" else [])
    return problem(code, signs=signs, ratings=(rating(day.isoformat(), *kbs),), interventions=tuple(treatments))


def _author(person: Person) -> FhirJson | None:
    """The person's named nurse, who does their assessments (her SystmOne Practitioner record)."""
    nurse = next((s for s in STAFF if s.number == person.named_nurse), None)
    if nurse is None:
        return None
    return {"reference": f"Practitioner/{systmone_ids.resource_id('SRStaffMember', nurse.number)}",
            "display": f"{nurse.title} {nurse.given} {nurse.family}"}


def form(person: Person, day: date, problems: list[tuple[str, tuple[int, int, int]]]) -> FhirJson:
    """One completed assessment of `person` on `day` by their named nurse, naming them by NHS number."""
    qr = response(day.isoformat(), *(_problem(code, day, kbs) for code, kbs in problems))
    author = _author(person)
    return {**qr, "subject": {"identifier": {"system": NHS_NUMBER, "value": person.nhs_number}},
            **({"author": author} if author else {})}


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
