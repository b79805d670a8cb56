"""Falls on a person's record: a fall is a Condition or Observation coded from the falls value set
(`mappings/clinical/falls.valueset.json`), one fall a day however many records say so (SystmOne
often records the fall and a problem for it the same day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from gateway.pages.record import PersonRecord
from gateway.pages.sources import Source, source_of
from gateway.pages.text import day_of
from gateway.terminology.registry import default_terminology

FALLS = "https://care-gateway.example/fhir/ValueSet/falls"
YEAR = timedelta(days=365)
FhirJson = dict[str, Any]


@lru_cache(maxsize=1)
def fall_codes() -> frozenset[tuple[str, str]]:
    """(system, code) of every concept the falls value set includes."""
    value_set = default_terminology().value_sets[FALLS]
    return frozenset((inc["system"], c["code"]) for inc in value_set["compose"]["include"]
                     for c in inc.get("concept", []))


def is_fall(resource: FhirJson) -> bool:
    codes = fall_codes()
    return any((c.get("system"), c.get("code")) in codes for c in (resource.get("code") or {}).get("coding", []))


def _when(resource: FhirJson) -> str | None:
    return (resource.get("onsetDateTime") or resource.get("effectiveDateTime") or resource.get("recordedDate")
            or resource.get("issued"))


@dataclass
class Fall:
    """One fall: its day, and every record (and system) that tells of it."""

    day: date
    records: list[FhirJson] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def falls(record: PersonRecord) -> list[Fall]:
    """The person's falls, newest first, one per day."""
    patients = record.patients
    by_day: dict[date, Fall] = {}
    for resource in [*record.of("Condition"), *record.of("Observation")]:
        day = day_of(_when(resource))
        if day is None or not is_fall(resource):
            continue
        fall = by_day.setdefault(day, Fall(day))
        fall.records.append(resource)
        source = source_of(resource, patients)
        if source not in fall.sources:
            fall.sources.append(source)
    return sorted(by_day.values(), key=lambda f: f.day, reverse=True)


def falls_within(found: list[Fall], today: date, window: timedelta = YEAR) -> int:
    return sum(1 for f in found if today - window < f.day <= today)
